"""perfbot's own health: the last alarm it handled, its failed-events queue, its errors, its versions (/perf health)."""

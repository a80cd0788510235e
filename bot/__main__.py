import os
import sys

from bot.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:  # `python -m bot … | head` closed the pipe: stop quietly, as head expects
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes at exit
    code = 0
sys.exit(code)

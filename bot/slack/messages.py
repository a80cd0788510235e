"""Every sentence perfbot says to a person that is not a rendered report or card: one catalogue of small functions, so
the wording stays consistent and testable (as Bolt keeps its texts in ``logger/messages.py``).

Texts that quote something from outside (a subcommand name, a channel, a problem found in the user's input) escape
it here; on the ack path, so only the renderer kit is imported.
"""

from __future__ import annotations

from bot.slack.render.kit import escape, mention, truncate

# Slack's limits: a message's text ≤ 4,000 characters is shown in full (longer is cut or refused), a section's text
# ≤ 3,000. An echo of what someone typed is far shorter, so a sentence around it stays well inside both.
MAX_MESSAGE_TEXT = 4000
MAX_SECTION_TEXT = 3000
MAX_ECHO = 200


def echo(text: object, limit: int = MAX_ECHO) -> str:
    """Something a person typed, quoted back: escaped for mrkdwn, then cut to ``limit`` characters with "…" (never
    inside an ``&amp;``). Every sentence that repeats user input goes through this."""
    return truncate(escape(text), limit)


# -- /perf ----------------------------------------------------------------------------------------------------------


def unknown_subcommand(name: str, known: list[str]) -> str:
    names = ", ".join(f"`{n}`" for n in known)
    return f"I don't know `/perf {echo(name)}`. Try one of: {names}, or `/perf help`."


def usage(problem: str, usage_line: str) -> str:
    """A problem found in the user's input (it may quote the input) and how the command is used."""
    return f"{echo(problem, MAX_SECTION_TEXT // 2)}\nUsage: `{escape(usage_line)}`"


def working(command: str) -> str:
    return f":hourglass_flowing_sand: Working on `/perf {command}`…"


def answering_via_reply_link(command: str) -> str:
    """Where perfbot is not a member (a private channel or DM): the answer comes through the response_url."""
    return (
        f"{working(command)} perfbot is not a member of this conversation, so the answer comes through Slack's "
        "reply link. `/invite @perfbot` here for answers with graphs."
    )


def files_left_out(count: int) -> str:
    return f"{count} graph(s) left out: perfbot can share files only in conversations it is a member of."


def cards_posted_elsewhere(channel: str, *, member: bool) -> str:
    """Under a /perf analyze: where its cards went instead — perfbot is not a member here (``member`` false), or this
    is not a channel where changes are approved."""
    where = f"<#{channel}>" if channel[:1] in "CG" and channel.isalnum() and channel.isupper() else escape(channel)
    why = (
        "changes are approved only in perfbot's approval channels"
        if member
        else "perfbot cannot post cards in this conversation"
    )
    return f"Approve / Reject cards were posted in {where}: {why}."


def already_open(what: str, proposal_id: str, link: str) -> str:
    """Under an analysis: a recommended change that another analysis proposed first and that is still open."""
    card = f"<{link}|its card>" if link.startswith(("https://", "http://")) else "its card is being posted"
    return f":hourglass_flowing_sand: Already open: {escape(what)} (`{escape(proposal_id)}`, {card})."


# -- buttons --------------------------------------------------------------------------------------------------------


def button_without_alarm() -> str:
    return "That button carried no alarm. Nothing was changed."


def undo_needs_another_approver(undo_id: str) -> str:
    return f"The undo (`{undo_id}`) is high-risk: another approver has to approve it in the thread."


def second_approver_needed(proposal_id: str) -> str:
    return (
        f"Your approval of `{escape(proposal_id)}` is recorded. perfbot proposed this high-risk change itself, so it "
        "applies once a second approver approves it too."
    )


def refused(reason: str) -> str:
    return f":lock: {reason}"


def maintenance_not_allowed() -> str:
    return ":lock: Only perfbot's configured approvers can switch maintenance mode; `/perf maintenance` shows it."


def already_decided(state: str, by: str, at: str) -> str:
    """A click that lost the race: what the proposal is now, and who made it so."""
    who = mention(by)
    if state in ("applied", "rolled_back"):
        return f"Already applied by {who} at {at}. Nothing else was changed."
    if state in ("approved", "applying"):
        return f"{who} is applying this change right now."
    if state == "rejected":
        return f"Already rejected by {who}."
    if state == "failed":
        return "This change was already attempted and did not apply; see the card."
    return f"This proposal is {escape(state)}; nothing was changed."


def already_undoing(state: str, undo_id: str, requester: str, by: str, at: str) -> str:
    """An Undo (or Revert, or the undo card's Approve) that came second: what became of the one undo of the change."""
    undo = f"(`{escape(undo_id)}`)"
    if state == "proposed":
        return f"Already being undone: {mention(requester)} asked for it {undo}; its card is in the thread."
    if state in ("approved", "applying"):
        return f"Already being undone by {mention(by)} right now {undo}."
    if state in ("applied", "rolled_back"):
        return f"Already undone by {mention(by)} at {at} {undo}. Nothing else was changed."
    return already_decided(state, by, at)


# -- alarms ---------------------------------------------------------------------------------------------------------


def graph_needs_invite() -> str:
    return (
        "No graph attached: perfbot may post here but can share files only in channels it is a member of. "
        "`/invite @perfbot` to get graphs with the alarms."
    )


# -- failures -------------------------------------------------------------------------------------------------------


def unexpected_failure() -> str:
    """The one answer to any failure nobody planned for: short, safe, and true (the log has the rest)."""
    return ":warning: Something went wrong on perfbot's side; nothing was changed. The error is in perfbot's logs."


# -- App Home -------------------------------------------------------------------------------------------------------


def home_undo_started(change_id: str, channel: str) -> str:
    """An Undo clicked on the Home tab: it runs on the change's card, where everyone sees it."""
    where = f" in <#{channel}>" if channel else ""
    return f":leftwards_arrow_with_hook: Undo of `{escape(change_id)}` started: follow it on the card{where}."


# -- modals ---------------------------------------------------------------------------------------------------------


def reason_too_short(minimum: int) -> str:
    return f"Say in at least {minimum} characters why this high-risk change should go ahead."


def maintenance_reason(reason: str, user: str) -> str:
    """``reason`` is escaped by the caller."""
    return f"Reason given by {mention(user)}: {reason}"


# -- load tests -----------------------------------------------------------------------------------------------------


def no_load_tests() -> str:
    return "No load test has run yet. Run one with `python -m bot loadtest --url <URL>`; it is not started from Slack."


# -- python -m bot socket (a terminal, not Slack) ---------------------------------------------------------------


def socket_token_missing() -> str:
    return (
        "SLACK_APP_TOKEN is not set. Socket Mode needs the app's app-level token: Basic Information → App-Level "
        "Tokens → Generate, scope connections:write, then export SLACK_APP_TOKEN=xapp-…"
    )


def socket_token_wrong_type(prefix: str) -> str:
    return (
        f"SLACK_APP_TOKEN holds a {prefix}… token; Socket Mode needs the app-level token (xapp-…, scope "
        "connections:write) from Basic Information → App-Level Tokens. The bot token (xoxb-…) goes in SLACK_BOT_TOKEN."
    )


def socket_bot_token_missing() -> str:
    return "SLACK_BOT_TOKEN is not set: export the app's Bot User OAuth Token (xoxb-…) from OAuth & Permissions."


def socket_refused(error: str) -> str:
    return f"Slack refused to open a Socket Mode connection ({error}): check SLACK_APP_TOKEN and connections:write."


def socket_connected(aws: str) -> str:
    return f"perfbot is connected over Socket Mode ({aws} AWS); try /perf help in Slack. Ctrl-C to stop."


def predictive_without_schedule(alarm: str) -> str:
    return (
        f"{alarm} asks for scaling ahead of the load, but no scheduled provisioned concurrency is proposed: it needs "
        "a strong recurring daily peak in the last 14 days (`/perf usage`) and measured cold starts it would remove at "
        "a price that pays (see the notes)."
    )

// The web channel: polls the feed, turns buttons and the /perf box into requests the server signs for perfbot.
(function () {
  const page = document.body.dataset;
  const feed = document.getElementById("feed");
  const status = document.getElementById("status");
  const modal = document.getElementById("modal");
  const modalForm = document.getElementById("modal-form");
  let version = feed.dataset.version || "";
  let shownView = ""; // "<view id>:<hash>" of the modal in the dialog, so polling keeps what is typed in it

  async function refresh() {
    const url = `${page.feedUrl}?as=${encodeURIComponent(page.user)}&since=${encodeURIComponent(version)}`;
    try {
      const reply = await fetch(url, { cache: "no-store" });
      if (reply.status === 200) {
        version = reply.headers.get("X-Feed-Version") || "";
        const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
        feed.innerHTML = await reply.text();
        feed.dataset.version = version;
        if (atBottom) window.scrollTo(0, document.body.scrollHeight);
        showModal();
      }
    } catch (e) {
      status.textContent = "devstack unreachable";
    }
  }

  function say(text) {
    status.textContent = text;
  }

  async function post(path, body) {
    say("sending…");
    const reply = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await reply.json();
    say(answer.ok ? `perfbot answered ${answer.status}` : `failed: ${answer.error}`);
    await refresh();
    return answer;
  }

  // The modal perfbot opened for this user (views.open) comes with the feed as a <template>; a new view or a new
  // hash (views.update) replaces the dialog's content, no template closes it.
  function showModal() {
    const template = feed.querySelector("template.modal-view");
    const key = template ? `${template.dataset.viewId}:${template.dataset.hash}` : "";
    if (key === shownView) return;
    shownView = key;
    if (!template) {
      if (modal.open) modal.close("gone");
      return;
    }
    modalForm.replaceChildren(template.content.cloneNode(true));
    modalForm.dataset.viewId = template.dataset.viewId;
    modal.returnValue = "";
    if (!modal.open) modal.showModal();
  }

  modalForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {};
    for (const field of modalForm.querySelectorAll("[name]")) values[field.name] = field.value;
    for (const slot of modalForm.querySelectorAll(".m-error")) slot.textContent = "";
    const answer = await post("/api/view-submit", { user: page.user, view_id: modalForm.dataset.viewId, values });
    for (const [blockId, message] of Object.entries(answer.errors || {})) {
      const slot = modalForm.querySelector(`.m-error[data-for="${CSS.escape(blockId)}"]`);
      if (slot) slot.textContent = message;
    }
  });

  modalForm.addEventListener("click", (event) => {
    if (event.target.closest(".m-close")) modal.close("cancel");
  });

  modal.addEventListener("close", () => {
    // Cancel or Esc: the modal goes for the emulator too (a submitted one is already gone there)
    if (modal.returnValue !== "gone") post("/api/view-close", { user: page.user, view_id: modalForm.dataset.viewId });
  });

  function confirmThen(spec, action) {
    const dialog = document.getElementById("confirm");
    dialog.querySelector(".c-title").innerHTML = spec.title;
    dialog.querySelector(".c-text").innerHTML = spec.text;
    const ok = dialog.querySelector(".c-ok");
    ok.innerHTML = spec.confirm;
    ok.className = `btn c-ok ${spec.style || "primary"}`;
    dialog.querySelector(".c-deny").innerHTML = spec.deny;
    dialog.onclose = () => {
      if (dialog.returnValue === "confirm") action();
    };
    dialog.showModal();
  }

  feed.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action-id]");
    if (!button) return;
    const message = button.closest(".msg");
    const inHome = message.dataset.viewId !== undefined;
    const click = () =>
      inHome
        ? post("/api/home-click", {
            user: page.user,
            action_id: button.dataset.actionId,
            value: button.dataset.value,
            block_id: button.dataset.blockId,
          })
        :
      post("/api/click", {
        channel: message.dataset.channel,
        ts: message.dataset.ts,
        ephemeral: message.dataset.ephemeral === "1",
        user: page.user,
        action_id: button.dataset.actionId,
        value: button.dataset.value,
        block_id: button.dataset.blockId,
        label: button.dataset.label,
      });
    if (button.dataset.confirm) confirmThen(JSON.parse(button.dataset.confirm), click);
    else click();
  });

  document.getElementById("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = document.getElementById("command");
    const text = box.value.trim().replace(/^\/perf\s*/, "");
    box.value = "";
    if (!page.channel) return say("type /perf commands in a channel");
    post("/api/command", { channel: page.channel, user: page.user, text: text });
  });

  document.getElementById("user").addEventListener("change", (event) => {
    const url = new URL(window.location.href);
    url.searchParams.set("as", event.target.value);
    window.location.href = url.toString();
  });

  showModal();
  setInterval(refresh, 700);
})();

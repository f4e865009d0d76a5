// The console's pages: they read and act through the JSON API only (the console has no logic
// of its own), every unsafe request carrying the session's CSRF token. What a page shows is
// polled every 2 seconds, so a call ringing a rep appears without a reload. Text from the
// server is only ever set as text, never parsed as HTML.
"use strict";

const POLL_MS = 2000;
const csrf = document.querySelector('meta[name="csrf-token"]').content;

async function api(method, path, body) {
  const answer = await fetch("/api" + path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (answer.status === 401) {
    window.location.assign("/console/login");  // the session ended: sign in again
    throw new Error("signed out");
  }
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || String(answer.status));
  return data;
}

function element(tag, text, attributes = {}) {
  const made = document.createElement(tag);
  if (text !== undefined && text !== null) made.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  return made;
}

function fill(container, items) {
  container.replaceChildren(...items);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "none";
}

function say(problem, text) {
  problem.textContent = text;
  problem.hidden = !text;
}

function every(refresh) {
  refresh();
  setInterval(refresh, POLL_MS);
}

// ----- a rep's own screen -----

function callView(call) {
  if (!call) return [element("p", "No call right now.")];
  const who = call.name ? `${call.name} (${call.phone})` : call.phone || "A caller whose number is withheld";
  const parts = [
    element("p", `${call.kind === "callback" ? "Callback for" : "Calling:"} ${who}`, { class: "flag" }),
    element("p", `Tier: ${call.tier}. Line: ${call.line}.`),
  ];
  if (call.menu_path.length) parts.push(element("p", `In the menu: ${call.menu_path.join(" → ")}`));
  for (const why of call.why) parts.push(element("p", `Why: ${why}`));
  call.recordings.forEach((source, n) => {
    const label = element("p", `Their message ${n + 1}: `);
    label.append(element("audio", null, { controls: "", preload: "none", src: source }));
    parts.push(label);
  });
  for (const open of call.cases) {
    parts.push(element("h3", `Case ${open.reference}: ${open.subject}${open.flagged ? " (flagged)" : ""}`));
    const timeline = element("ol");
    fill(timeline, open.timeline.map((e) => element("li", `${when(e.at)}: ${e.kind}${e.by ? " by " + e.by : ""}${e.text ? " — " + e.text : ""}`)));
    parts.push(timeline);
  }
  return parts;
}

function consoleRep() {
  const me = document.querySelector('meta[name="rep"]').content;
  const problem = document.getElementById("presence-problem");
  for (const button of document.querySelectorAll("[data-presence]")) {
    button.addEventListener("click", async () => {
      try {
        await api("POST", `/reps/${me}/presence`, { presence: button.dataset.presence });
        say(problem, "");
        refresh();
      } catch (error) {
        say(problem, error.message);
      }
    });
  }
  async function refresh() {
    const screen = await api("GET", "/me");
    const left = screen.wrap_up_seconds_left;
    document.getElementById("presence").textContent =
      left === null ? screen.presence : `${screen.presence} (${left} s left)`;
    fill(document.getElementById("call"), callView(screen.call));
    fill(document.getElementById("cases"), screen.cases.map((c) => {
      const item = element("li");
      item.append(
        element("a", c.reference, { href: `/console/cases/${c.reference}` }),
        `: ${c.subject} — ${c.status}, promised by ${when(c.promised_by)}${c.flagged ? " — flagged" : ""}`,
      );
      return item;
    }));
    fill(document.getElementById("callbacks"), screen.callbacks.map((c) => {
      const item = element("li", `${c.id} for ${c.phone}, promised by ${when(c.promised_by)}${c.at_risk ? " — at risk" : ""} `);
      const start = element("button", "Start now", { type: "button" });
      start.addEventListener("click", () => api("POST", `/callbacks/${c.id}/dispatch`).then(refresh, (e) => say(problem, e.message)));
      item.append(start);
      return item;
    }));
  }
  every(refresh);
}

// ----- the supervisors' floor -----

function consoleFloor() {
  const problem = document.getElementById("escalation-problem");
  async function refresh() {
    const [floor, waiting] = await Promise.all([api("GET", "/floor"), api("GET", "/escalations")]);
    fill(document.getElementById("escalations"), waiting.escalations.map((e) => {
      const item = element("li", `${e.name || e.phone} (${e.tier}), ${e.reason || "asked for a manager"}, waiting ${e.waiting_seconds} s `, { "data-escalation": e.id });
      const accept = element("button", "Accept", { type: "button" });
      accept.addEventListener("click", async () => {
        try {
          await api("POST", `/escalations/${e.id}/accept`, {});
          say(problem, "");
        } catch (error) {
          say(problem, error.message);
        }
        refresh();
      });
      item.append(accept);
      return item;
    }));
    if (!waiting.escalations.length) fill(document.getElementById("escalations"), [element("li", "Nobody is waiting for a manager.")]);
    fill(document.getElementById("lines"), floor.lines.map((line) => {
      const row = element("tr");
      const tiers = Object.entries(line.by_tier).map(([tier, n]) => `${tier} ${n}`).join(", ") || "none";
      row.append(element("th", line.line, { scope: "row" }), element("td", line.waiting), element("td", tiers), element("td", `${line.longest_wait_seconds} s`));
      return row;
    }));
    fill(document.getElementById("reps"), floor.reps.map((rep) =>
      element("li", `${rep.name} (${rep.id}): ${rep.presence}${rep.call ? ", on " + rep.call : ""}`)));
    document.getElementById("due").textContent = `Callbacks due now: ${floor.callbacks_due}.`;
    fill(document.getElementById("at-risk"), floor.callbacks_at_risk.map((c) =>
      element("li", `${c.id} for ${c.phone}, promised by ${when(c.promised_by)}, ${c.state}`)));
  }
  every(refresh);
}

// ----- a case's page -----

function consoleCase() {
  const reference = document.querySelector('meta[name="case"]').content;
  const problem = document.getElementById("case-problem");
  async function act(path, body) {
    try {
      await api("POST", `/cases/${reference}/${path}`, body);
      say(problem, "");
    } catch (error) {
      say(problem, error.message);
    }
    refresh();
  }
  document.getElementById("note").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = document.getElementById("note-text");
    act("notes", { text: text.value }).then(() => { text.value = ""; });
  });
  document.getElementById("close").addEventListener("submit", (event) => {
    event.preventDefault();
    act("close", { reason: document.getElementById("close-reason").value });
  });
  async function refresh() {
    const found = await api("GET", `/cases/${reference}`);
    fill(document.getElementById("case"), [
      element("p", `${found.subject} — ${found.status}${found.flagged ? ", flagged" : ""}`),
      element("p", `Owner: ${found.owner}. Promised by ${when(found.promised_by)}. Time spent: ${Math.round(found.time_spent_seconds / 60)} min.`),
    ]);
    fill(document.getElementById("timeline"), found.timeline.map((e) =>
      element("li", `${when(e.at)}: ${e.kind}${e.by ? " by " + e.by : ""}${e.text ? " — " + e.text : ""}`)));
  }
  every(refresh);
}

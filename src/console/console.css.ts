/**
 * The console's one stylesheet: system fonts, light and dark schemes from the system setting
 * (`prefers-color-scheme`), readable down to a 360 px phone, visible keyboard focus.
 */
export const CONSOLE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f7f7f8; --fg: #1c1d21; --muted: #5c5f6a; --card: #ffffff; --line: #d9dbe1;
  --accent: #0b5cd5; --accent-fg: #ffffff; --focus: #f59e0b; --code: #eef0f4;
  --ok: #177a3c; --ok-bg: #d8f3e2; --warn: #8a5a00; --warn-bg: #fcefc7;
  --bad: #b42318; --bad-bg: #fde2df; --info: #1d4ed8; --info-bg: #dde8fd;
  --idle: #4b5563; --idle-bg: #e5e7eb; --otp-bg: #fff4c2; --failed: #9a3412;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #121317; --fg: #e7e8ec; --muted: #a2a6b3; --card: #1b1d23; --line: #2f323b;
    --accent: #6ea2ff; --accent-fg: #0b0c0f; --code: #24262e;
    --ok: #6fdc98; --ok-bg: #123522; --warn: #f5c451; --warn-bg: #3a2e0c;
    --bad: #ff8a80; --bad-bg: #431a17; --info: #93b7ff; --info-bg: #17264a;
    --idle: #c4c8d2; --idle-bg: #2b2e36; --otp-bg: #4a3d06; --failed: #fb923c;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem;
  padding: .5rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; color: var(--fg); }
header nav ul { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; margin: 0; padding: 0; }
header nav a { display: block; padding: .35rem .6rem; border-radius: 6px; text-decoration: none; color: var(--fg); }
header nav a[aria-current="page"] { background: var(--accent); color: var(--accent-fg); }
.who { margin-left: auto; display: flex; align-items: center; gap: .5rem; flex-wrap: wrap; }
.who label { font-size: .85rem; color: var(--muted); }
.who select { max-width: 16rem; }
main { padding: 1rem; max-width: 80rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .25rem 0 1rem; word-break: break-all; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
button, .button { font: inherit; padding: .4rem .8rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-fg); cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: transparent; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
input, select, textarea { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--fg); min-width: 0; }
textarea { width: 100%; min-height: 4rem; }
label { font-weight: 600; }
.hint, .muted { color: var(--muted); font-size: .9rem; }
.error { color: var(--bad); font-weight: 600; }
form.grid, .filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .5rem 1rem; align-items: end; }
form.grid > div, .filters > div { display: flex; flex-direction: column; gap: .2rem; }
form.grid > div.actions, .filters > div.actions { flex-direction: row; align-items: center; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); white-space: nowrap; }
td.num, th.num { text-align: right; }
.nowrap { white-space: nowrap; }
td.body { max-width: 16rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
tr.fresh { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: var(--info-bg); } to { background: transparent; } }
@media (prefers-reduced-motion: reduce) { tr.fresh { animation: none; } }
code, .mono { font-family: var(--mono); font-size: .88em; }
pre { background: var(--code); padding: .75rem; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .82rem; font-weight: 600;
  background: var(--idle-bg); color: var(--idle); white-space: nowrap; }
.badge.delivered, .badge.received, .badge.read { background: var(--ok-bg); color: var(--ok); }
.badge.undelivered, .badge.failed { background: var(--bad-bg); color: var(--bad); }
.badge.queued, .badge.sending, .badge.accepted, .badge.scheduled, .badge.receiving { background: var(--warn-bg); color: var(--warn); }
.badge.sent { background: var(--info-bg); color: var(--info); }
.tag { display: inline-block; font-size: .8rem; background: var(--code); border-radius: 4px; padding: 0 .3rem; margin: 0 .2rem .2rem 0; }
.banner { display: flex; gap: .75rem; align-items: center; padding: .5rem .75rem; margin-bottom: .5rem;
  background: var(--info-bg); color: var(--info); border-radius: 6px; }
.live { font-size: .85rem; color: var(--muted); }
.live::before { content: "●"; margin-right: .3rem; color: var(--idle); }
.live.on::before { color: var(--ok); }
dl.fields { display: grid; grid-template-columns: minmax(9rem, max-content) 1fr; gap: .25rem 1rem; margin: 0; }
dl.fields dt { font-family: var(--mono); font-size: .85rem; color: var(--muted); }
dl.fields dd { margin: 0; word-break: break-all; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
ol.timeline li { padding: .25rem 0 .5rem 1rem; position: relative; }
ol.timeline li::before { content: ""; position: absolute; left: -8px; top: .6rem; width: 13px; height: 13px;
  border-radius: 50%; background: var(--accent); }
.attempt { border-left: 4px solid var(--ok); }
.attempt.failed { border-left-color: var(--bad); }
.media img { max-width: 16rem; max-height: 16rem; border-radius: 6px; border: 1px solid var(--line); }
.phone { max-width: 26rem; border: 1px solid var(--line); border-radius: 24px; padding: 1rem; background: var(--card); }
.bubbles { display: flex; flex-direction: column; gap: .4rem; max-height: 60vh; overflow-y: auto; padding: .25rem; }
.bubble { max-width: 80%; padding: .45rem .75rem; border-radius: 16px; white-space: pre-wrap; word-break: break-word; }
.bubble.in { align-self: flex-start; background: var(--code); }
.bubble.out { align-self: flex-end; background: var(--accent); color: var(--accent-fg); }
.bubble small { display: block; opacity: .75; font-size: .75rem; }
mark.otp { background: var(--otp-bg); color: inherit; font-family: var(--mono); font-weight: 700; padding: 0 .2rem; border-radius: 3px; }
.otp-copy { padding: .05rem .4rem; font-size: .78rem; margin-left: .25rem; }
.bubble.out .otp-copy { background: var(--accent-fg); color: var(--accent); border-color: var(--accent-fg); }
.compose { display: flex; flex-direction: column; gap: .4rem; margin-top: .75rem; }
.chart svg { width: 100%; height: auto; max-height: 18rem; }
.chart .axis { stroke: var(--line); }
.chart text { fill: var(--muted); font-size: 11px; }
.legend { display: flex; flex-wrap: wrap; gap: .75rem; font-size: .85rem; list-style: none; padding: 0; }
.legend span { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
.s-delivered { fill: var(--ok); background: var(--ok); } .s-undelivered { fill: var(--bad); background: var(--bad); }
.s-failed { fill: var(--failed); background: var(--failed); }
.s-sent { fill: var(--info); background: var(--info); } .s-queued { fill: var(--warn); background: var(--warn); }
.s-received { fill: #7c3aed; background: #7c3aed; } .s-other { fill: var(--idle); background: var(--idle); }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .75rem; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem; }
.stat strong { display: block; font-size: 1.5rem; }
#toast { position: fixed; bottom: 1rem; right: 1rem; max-width: 22rem; }
#toast p { background: var(--fg); color: var(--bg); padding: .5rem .75rem; border-radius: 6px; margin: .25rem 0 0; }
body.signin main { max-width: 26rem; margin: 3rem auto; background: var(--card); border: 1px solid var(--line);
  border-radius: 10px; padding: 1.5rem; }
body.signin form { display: flex; flex-direction: column; gap: .35rem; }
body.signin button { margin-top: .75rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 640px) {
  main { padding: .6rem; }
  .who { margin-left: 0; width: 100%; }
  .who select { flex: 1; }
  table.log thead { position: absolute; left: -9999px; }
  table.log tr { display: grid; grid-template-columns: 1fr auto; border-bottom: 1px solid var(--line); padding: .4rem .2rem; }
  table.log td { border: 0; padding: .1rem .4rem; }
  table.log td.body { grid-column: 1 / -1; white-space: normal; max-width: none; }
  table.log td.opt { display: none; }
}
`;

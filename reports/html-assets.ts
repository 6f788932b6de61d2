// The inline assets of report.html (its style sheet and its one script, allowed by hash in the
// page's Content-Security-Policy), and what matrix.html shares of them.
import { createHash } from 'node:crypto';

/** Shared with matrix.html, which adds its own rules after it. */
export const STYLE = `
:root{--bg:#f6f7f9;--card:#fff;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#eef1f4;--accent:#0969da;
--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--error:#bc4c00;--error-bg:#fff1e5;
--observed:#8250df;--observed-bg:#fbefff;--na:#6e7781;--na-bg:#eaeef2;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;
--sans:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#151b23;--ink:#e6edf3;--muted:#9198a1;--line:#3d444d;--soft:#212830;--accent:#4493f8;
--pass:#3fb950;--pass-bg:#12261e;--fail:#f85149;--fail-bg:#2d1214;--error:#db6d28;--error-bg:#2b1a0e;--observed:#ab7df8;--observed-bg:#231a33;--na:#9198a1;--na-bg:#262c36}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 var(--sans)}
a{color:var(--accent)}
code,pre{font-family:var(--mono);font-size:13px}
.wrap{max-width:1200px;margin:0 auto;padding:24px 20px 48px}
header.top{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:12px;margin-bottom:20px}
.brand{color:var(--muted);font-size:13px;letter-spacing:.02em}
h1{margin:2px 0 0;font-size:24px;line-height:1.25;font-weight:650}
h2{font-size:18px;margin:32px 0 12px;font-weight:650}
h4{margin:14px 0 6px;font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.status{border-radius:10px;padding:10px 16px;font-weight:650;font-size:16px;display:flex;flex-direction:column;align-items:flex-end}
.status small{font-weight:400;font-size:13px}
.status.ok{background:var(--pass-bg);color:var(--pass)}
.status.bad{background:var(--fail-bg);color:var(--fail)}
.status.warn{background:var(--error-bg);color:var(--error)}
.status.info{background:var(--observed-bg);color:var(--observed)}
.overview{display:grid;grid-template-columns:auto 1fr;gap:16px;align-items:stretch}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px}
.score-card{display:flex;flex-direction:column;align-items:center;justify-content:center;padding:20px 24px;max-width:240px}
.ring-caption{margin:14px 0 0;font-size:13px;color:var(--muted);text-align:center}
.ring{--p:0;width:132px;height:132px;border-radius:50%;background:conic-gradient(var(--pass) calc(var(--p)*1%),var(--fail-bg) 0);display:grid;place-items:center}
.ring-inner{width:104px;height:104px;border-radius:50%;background:var(--card);display:flex;flex-direction:column;align-items:center;justify-content:center}
.ring-value{font-size:26px;font-weight:700;font-variant-numeric:tabular-nums}
.ring-label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
.levels{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
.level-card{border:1px solid var(--line);border-radius:10px;padding:12px;background:var(--card)}
.level-head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:4px 8px;margin-bottom:6px}
.gate{font-size:12px;color:var(--muted)}
.level-score{font-size:14px;margin-bottom:8px;font-variant-numeric:tabular-nums}
.level-score strong{font-size:22px}
.level-detail{margin-top:8px;display:flex;flex-wrap:wrap;gap:6px}
.bar{display:flex;height:8px;border-radius:4px;overflow:hidden;background:var(--soft)}
.seg{display:block;min-width:3px}
.run-meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px 18px;margin:16px 0 0}
.run-meta div{min-width:0}
.run-meta dt{font-size:12px;color:var(--muted)}
.run-meta dd{margin:0;font-weight:500;overflow-wrap:anywhere}
.pill{display:inline-block;min-width:64px;text-align:center;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:650;text-transform:uppercase;letter-spacing:.04em}
.mini{font-size:12px;padding:0 6px;border-radius:999px}
.v-pass{color:var(--pass);background:var(--pass-bg)}
.v-fail{color:var(--fail);background:var(--fail-bg)}
.v-error{color:var(--error);background:var(--error-bg)}
.v-observed{color:var(--observed);background:var(--observed-bg)}
.v-not-applicable{color:var(--na);background:var(--na-bg)}
.seg.v-pass,.sq.v-pass,.dot.v-pass{background:var(--pass)}
.seg.v-fail,.sq.v-fail,.dot.v-fail{background:var(--fail)}
.seg.v-error,.sq.v-error,.dot.v-error{background:var(--error)}
.seg.v-observed,.sq.v-observed,.dot.v-observed{background:var(--observed)}
.seg.v-not-applicable,.sq.v-not-applicable,.dot.v-not-applicable{background:var(--na)}
.lvl{font-size:11px;font-weight:650;text-transform:uppercase;letter-spacing:.05em;padding:1px 6px;border-radius:4px;border:1px solid var(--line);color:var(--muted);white-space:nowrap}
.lvl-must{color:var(--ink);border-color:var(--ink)}
.lvl-implementation-defined{border-style:dashed}
.muted{color:var(--muted)}
.matrix-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:12px}
table.matrix{border-collapse:collapse;width:100%;min-width:640px}
.matrix th,.matrix td{padding:8px 10px;border-bottom:1px solid var(--soft);text-align:left;vertical-align:middle}
.matrix thead th{font-size:12px;color:var(--muted);font-weight:600;background:var(--soft)}
.matrix tbody tr:last-child th,.matrix tbody tr:last-child td{border-bottom:0}
.matrix th[scope=row]{white-space:nowrap;font-weight:600}
.matrix th[scope=row] a{color:var(--ink);text-decoration:none}
.matrix td{line-height:0;padding-top:11px;padding-bottom:8px}
.sq{display:inline-block;width:12px;height:12px;border-radius:3px;margin:0 3px 3px 0}
a.sq:hover,a.sq:focus{outline:2px solid var(--ink);outline-offset:1px}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-left:4px}
.none{color:var(--line);line-height:1.5}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted);margin:8px 2px 0}
.legend span{display:inline-flex;align-items:center}
.legend .sq{margin:0 5px 0 0}
.filters{position:sticky;top:0;z-index:2;background:var(--bg);padding:10px 0;border-bottom:1px solid var(--line);display:grid;gap:8px}
.filter-row{display:flex;flex-wrap:wrap;align-items:center;gap:8px}
.filter-label{width:72px;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.group{display:flex;flex-wrap:wrap;gap:6px}
button{font:inherit;font-size:13px;color:var(--ink);background:var(--card);border:1px solid var(--line);border-radius:999px;padding:3px 12px;cursor:pointer}
button:hover:not(:disabled){border-color:var(--muted)}
button:disabled{opacity:.45;cursor:default}
button[aria-pressed=true]{background:var(--ink);color:var(--card);border-color:var(--ink)}
button .n{font-variant-numeric:tabular-nums;opacity:.75;margin-left:2px}
input[type=search]{font:inherit;font-size:14px;flex:1 1 240px;min-width:0;padding:4px 12px;border:1px solid var(--line);border-radius:999px;background:var(--card);color:var(--ink)}
#shown{font-size:13px;color:var(--muted);margin:10px 2px}
.family h2{display:flex;align-items:baseline;gap:10px}
.family h2 .muted{font-size:13px;font-weight:400}
details.rule{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:8px 0;overflow:hidden}
details.rule[data-verdict=fail]{box-shadow:inset 4px 0 0 var(--fail)}
details.rule[data-verdict=error]{box-shadow:inset 4px 0 0 var(--error)}
details.rule[data-verdict=observed]{box-shadow:inset 4px 0 0 var(--observed)}
details.rule:target{outline:2px solid var(--accent);outline-offset:1px}
summary{cursor:pointer;list-style:none;display:grid;grid-template-columns:auto auto 1fr auto;grid-template-areas:"pill id ops lvl" "pill stmt stmt stmt";gap:4px 12px;padding:10px 14px;align-items:center}
summary::-webkit-details-marker{display:none}
summary:hover{background:var(--soft)}
summary .pill{grid-area:pill;align-self:start;margin-top:2px}
.rid{grid-area:id;font-weight:600;overflow-wrap:anywhere}
.ops{grid-area:ops;font-size:12px;color:var(--muted)}
summary .lvl{grid-area:lvl;justify-self:end}
.stmt{grid-area:stmt;color:var(--muted);font-size:14px}
.rule-body{padding:2px 16px 16px;border-top:1px solid var(--soft)}
.note{border-radius:8px;padding:2px 12px 6px;margin-top:12px;background:var(--soft)}
.note p{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.note-observed{background:var(--observed-bg)}
.note-error{background:var(--error-bg)}
.note-baseline{background:var(--na-bg)}
.note-basis blockquote{margin:6px 0 10px;padding-left:10px;border-left:3px solid var(--line)}
.note-basis .quote-source{margin-top:2px;font-size:12px;color:var(--muted);overflow-wrap:anywhere}
.bl{font-family:var(--sans);font-size:11px;font-weight:600;padding:1px 6px;border-radius:4px;margin-left:6px;white-space:nowrap;background:var(--na-bg);color:var(--na)}
.bl-now-passing{background:var(--pass-bg);color:var(--pass)}
.attention.fixed h2{color:var(--pass)}
pre{margin:0;padding:10px 12px;background:var(--soft);border-radius:8px;overflow:auto;max-height:420px;white-space:pre-wrap;overflow-wrap:anywhere}
.cmp{display:grid;grid-template-columns:1fr 1fr;gap:12px}
pre.expected{background:var(--pass-bg);font-family:var(--sans);font-size:14px}
pre.actual{background:var(--fail-bg)}
.cmd{margin-top:12px;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.cmd-head{display:flex;justify-content:space-between;align-items:center;padding:4px 8px 4px 12px;background:var(--soft);font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
.cmd pre{border-radius:0;background:var(--card)}
button.copy{font-size:12px;padding:1px 10px;text-transform:none;letter-spacing:0}
.facts-line{font-size:12px;color:var(--muted);margin:10px 0 0}
.transcript{margin-top:12px}
details.ex{border:1px solid var(--line);border-radius:8px;margin:6px 0;overflow:hidden}
details.ex>summary{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 10px;padding:6px 10px;font-size:13px}
.ex-n{color:var(--muted);font-variant-numeric:tabular-nums;min-width:1.5em}
.ex-status{font-size:12px;font-weight:650;padding:0 6px;border-radius:4px}
.s-ok{color:var(--pass);background:var(--pass-bg)}
.s-client{color:var(--error);background:var(--error-bg)}
.s-other{color:var(--fail);background:var(--fail-bg)}
.ex-notes{color:var(--muted);font-size:12px}
.ex-body{padding:0 10px 10px;border-top:1px solid var(--soft)}
dl.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px 18px;margin:14px 0 0;font-size:13px}
dl.facts .wide{grid-column:1/-1}
dl.facts dt{font-size:12px;color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.problems{background:var(--error-bg);border:1px solid var(--error);border-radius:12px;padding:4px 16px 12px;margin-top:20px}
.problems h2{margin-top:12px;color:var(--error)}
.problems ul{padding-left:18px}
.problems li{margin:6px 0}
.attention{margin-top:20px;padding:4px 16px 10px}
.attention h2{margin:12px 0 8px;font-size:16px}
.attention table{border-collapse:collapse;width:100%}
.attention td{padding:7px 12px 7px 0;border-top:1px solid var(--soft);vertical-align:baseline}
.attention tr:first-child td{border-top:0}
.attention a{font-weight:600;color:var(--ink);text-decoration:none;white-space:nowrap}
.attention a:hover{text-decoration:underline}
.why{color:var(--muted);font-size:14px;overflow-wrap:anywhere;min-width:0}
#empty{padding:24px;text-align:center;color:var(--muted)}
footer{margin-top:40px;font-size:12px;color:var(--muted);text-align:center}
[hidden]{display:none!important}
@media (max-width:760px){
.wrap{padding:16px 12px 40px}
h1{font-size:20px}
.status{align-items:flex-start;width:100%}
.overview{grid-template-columns:1fr}
.levels{grid-template-columns:1fr}
.cmp{grid-template-columns:1fr}
summary{grid-template-columns:auto 1fr;grid-template-areas:"pill lvl" "id id" "ops ops" "stmt stmt"}
.attention tr{display:grid;grid-template-columns:auto 1fr auto;gap:2px 10px;padding:8px 0;border-top:1px solid var(--soft)}
.attention tr:first-child{border-top:0}
.attention td{padding:0;border:0}
.attention td.why{grid-column:1/-1}
.attention a{white-space:normal;overflow-wrap:anywhere}
.score-card{max-width:none}
.filter-label{width:100%}
.filters{position:static}
.run-meta{grid-template-columns:repeat(auto-fill,minmax(140px,1fr))}
}
@media print{.filters,#shown{display:none}details.rule{break-inside:avoid}}
`;

/**
 * The Copy buttons of replay and curl lines (report.html and matrix.html): the clipboard API
 * where the page may use it, else a hidden textarea (file:// pages are not a secure context).
 */
export const COPY_BUTTONS_SCRIPT = `  function fallbackCopy(text) {
    var area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); } catch (e) { /* nothing else to try */ }
    document.body.removeChild(area);
  }
  document.querySelectorAll('button.copy').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var text = btn.closest('.cmd').querySelector('pre').textContent;
      var done = function () { btn.textContent = 'Copied'; setTimeout(function () { btn.textContent = 'Copy'; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
      else { fallbackCopy(text); done(); }
    });
  });`;

/**
 * The filter buttons of report.html and matrix.html: a button with data-filter="KIND" and
 * data-value="V" sets state[KIND] (the page's own state object) and applies the page's filters.
 */
export const FILTER_BUTTONS_SCRIPT = `  function select(kind, value) {
    state[kind] = value;
    document.querySelectorAll('[data-filter="' + kind + '"]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-value') === value));
    });
  }
  document.querySelectorAll('[data-filter]').forEach(function (btn) {
    btn.addEventListener('click', function () { select(btn.getAttribute('data-filter'), btn.getAttribute('data-value')); apply(); });
  });`;

/** report.html's filters, rule links and Copy buttons: the page's only script, allowed by its hash. */
export const SCRIPT = `
(function () {
  var state = { verdict: 'all', op: 'all', q: '' };
  var rules = Array.prototype.slice.call(document.querySelectorAll('details.rule'));
  var families = Array.prototype.slice.call(document.querySelectorAll('section.family'));
  var shown = document.getElementById('shown');
  var empty = document.getElementById('empty');
  function matches(el) {
    return (state.verdict === 'all' || el.getAttribute('data-verdict') === state.verdict) &&
      (state.op === 'all' || el.getAttribute('data-ops').split(' ').indexOf(state.op) !== -1) &&
      (state.q === '' || el.getAttribute('data-search').indexOf(state.q) !== -1);
  }
  function apply() {
    var count = 0;
    rules.forEach(function (el) { var ok = matches(el); el.hidden = !ok; if (ok) count++; });
    families.forEach(function (f) { f.hidden = !f.querySelector('details.rule:not([hidden])'); });
    shown.textContent = 'Showing ' + count + ' of ' + rules.length + ' rules';
    empty.hidden = count !== 0;
  }
${FILTER_BUTTONS_SCRIPT}
  var q = document.getElementById('q');
  q.addEventListener('input', function () { state.q = q.value.trim().toLowerCase(); apply(); });
  document.getElementById('expand').addEventListener('click', function () { rules.forEach(function (el) { if (!el.hidden) el.open = true; }); });
  document.getElementById('collapse').addEventListener('click', function () { rules.forEach(function (el) { el.open = false; }); });
${COPY_BUTTONS_SCRIPT}
  function openFromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el || !el.classList.contains('rule')) return;
    if (el.hidden) { select('verdict', 'all'); select('op', 'all'); q.value = ''; state.q = ''; apply(); }
    el.open = true;
    el.scrollIntoView({ block: 'start' });
  }
  window.addEventListener('hashchange', openFromHash);
  apply();
  openFromHash();
})();
`;

/**
 * A page's start, up to its body: a Content-Security-Policy that allows inline style and only
 * `script` (by its hash), and the page's `title` (HTML, escaped by the caller) and `style`.
 */
export function pageHead(title: string, script: string, style: string): string {
  const hash = createHash('sha256').update(script).digest('base64');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
<style>${style}</style>
</head>`;
}

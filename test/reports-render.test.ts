// The report renderers: schema validation, HTML escaping, junit.xml well-formedness, summaries.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../reports/html.js';
import { summarize } from '../reports/build.js';
import { renderJunit } from '../reports/junit.js';
import { renderConsoleSummary, renderSummaryMarkdown } from '../reports/summary.js';
import type { Report, RuleResult } from '../reports/types.js';
import { validateReport } from '../reports/validate.js';
import { HOSTILE, sampleReport } from './reports-fixtures.js';

/** A report whose every must rule failed, to test the "show the first N" limits. */
function manyFailures(count: number): Report {
  const base = sampleReport();
  const template = base.rules.find((r) => r.verdict === 'fail')!;
  const rules: RuleResult[] = Array.from({ length: count }, (_, i) => ({ ...template, id: `many.rule-${i}` }));
  return { ...base, rules, summary: { ...base.summary, total: count, counts: { ...base.summary.counts, fail: count }, conformant: false } };
}

describe('report.json schema', () => {
  it('accepts built reports, hostile content included', () => {
    expect(validateReport(sampleReport())).toEqual([]);
    expect(validateReport(sampleReport({ hostile: true }))).toEqual([]);
  });

  it('rejects a broken report with readable messages', () => {
    const report = structuredClone(sampleReport()) as unknown as Record<string, any>;
    report.rules[0].verdict = 'maybe';
    report.rules[1].extra = true;
    const failing = report.rules.findIndex((r: RuleResult) => r.verdict === 'fail');
    delete report.rules[failing].failure;
    report.summary.score = 1.5;
    delete report.run.seed;
    const errors = validateReport(report);
    expect(errors).toContain('report/rules/0/verdict must be one of "pass", "fail", "error", "not-applicable", "observed"');
    expect(errors).toContain('report/rules/1 has an unexpected property "extra"');
    expect(errors).toContain(`report/rules/${failing} is missing the required property "failure"`);
    expect(errors).toContain('report/summary/score must be <= 1');
    expect(errors).toContain('report/run is missing the required property "seed"');
  });

  it('takes the fields of a run on a target without a clean ledger: skipped inputs, an unconfirmed failure', () => {
    const report = structuredClone(sampleReport());
    const failing = report.rules.find((r) => r.verdict === 'fail')!;
    failing.numRuns = 3;
    failing.skippedRuns = 12;
    failing.failure = { ...failing.failure!, notConfirmed: 'not run a second time' };
    expect(validateReport(report)).toEqual([]);
    const html = renderHtml(report);
    expect(html).toMatch(/<dt>Runs<\/dt><dd>3 \(12 inputs not judged: each met another property run(&#39;|&#x27;|')s record, or the rule had had its share of fresh keys\)<\/dd>/);
    expect(html).toContain('<h4>Not confirmed</h4><p>not run a second time</p>');
    (failing as unknown as Record<string, unknown>).skippedRuns = -1;
    expect(validateReport(report).length).toBeGreaterThan(0);
  });

  it('rejects what is not a report at all', () => {
    expect(validateReport('report')).toEqual(['report must be object']);
  });
});

const ALLOWED_TAGS = new Set(
  'html head meta title style body div header h1 h2 h4 section span strong small dl dt dd table thead tbody tr th td a p button input main details summary code pre ul li br em footer script blockquote'.split(' '),
);

describe('report.html', () => {
  const html = renderHtml(sampleReport({ hostile: true }));

  it('escapes hostile target output everywhere', () => {
    expect(html.split('<script').length - 1).toBe(1);
    expect(html.split('</script>').length - 1).toBe(1);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('&amp;amp;');
    expect(html).toContain('<p>Quote with &lt;/script&gt;&lt;img');
    expect(html).toContain('<p>Treatment with &lt;/script&gt;&lt;img');
  });

  it('allows only its own script, by hash, and loads nothing from the network', () => {
    const script = html.slice(html.indexOf('<script>') + '<script>'.length, html.indexOf('</script>'));
    const hash = createHash('sha256').update(script).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/@import|url\(/i);
    // Every literal "<" is the renderer's own markup, so the set of tags is fixed: nothing that loads.
    const tags = new Set([...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
    for (const loader of ['img', 'link', 'iframe', 'object', 'embed', 'video', 'audio', 'source', 'svg', 'form']) expect(tags).not.toContain(loader);
    expect([...tags].every((t) => ALLOWED_TAGS.has(t))).toBe(true);
  });

  it('shows score, run metadata, every rule and every failure detail', () => {
    const plain = renderHtml(sampleReport());
    const report = sampleReport();
    expect(plain).toContain('Not conformant');
    for (const text of [report.run.target, report.run.model, String(report.run.seed), report.run.tool.version]) expect(plain).toContain(text);
    for (const rule of report.rules) expect(plain).toContain(`id="rule-${rule.id}"`);
    const failed = report.rules.find((r) => r.failure?.curl !== undefined)!;
    expect(plain).toContain(failed.failure!.replay);
    expect(plain).toContain('&quot;ProductCode&quot;: &quot;prod-abc123&quot;');
    expect(plain).toContain('no registration token fixture');
    expect(plain).toContain('What the target did');
    // Every rule card quotes what its rule rests on, with the source linked.
    for (const rule of report.rules) expect(plain).toContain(`<h4>Rests on</h4><blockquote cite="${rule.info![0]!.source}"><p>The sentence ${rule.id} rests on.</p>`);
    expect(plain).not.toContain('Treatment where the sources are silent');
  });
});

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A small XML 1.0 well-formedness checker (elements, attributes, text, entities, comments,
 * CDATA, the XML declaration); throws on the first error and returns the root element.
 */
function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (message: string): never => {
    throw new Error(`not well-formed XML: ${message} at offset ${i}`);
  };
  for (const ch of xml) {
    const c = ch.codePointAt(0)!;
    const ok = c === 9 || c === 10 || c === 13 || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000;
    if (!ok) fail(`character U+${c.toString(16)} is not allowed`);
  }
  const isNameChar = (ch: string | undefined) => ch !== undefined && (/[A-Za-z0-9_:.\-]/.test(ch) || ch.charCodeAt(0) > 127);
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  const decode = (raw: string): string => {
    let out = '';
    for (let k = 0; k < raw.length; k++) {
      if (raw[k] !== '&') {
        out += raw[k];
        continue;
      }
      const end = raw.indexOf(';', k);
      if (end < 0) fail('unterminated entity');
      const ref = raw.slice(k + 1, end);
      if (ref in entities) out += entities[ref];
      else if (/^#[0-9]+$/.test(ref)) out += String.fromCodePoint(Number(ref.slice(1)));
      else if (/^#x[0-9a-fA-F]+$/.test(ref)) out += String.fromCodePoint(parseInt(ref.slice(2), 16));
      else fail(`unknown entity &${ref};`);
      k = end;
    }
    return out;
  };
  const readName = (): string => {
    const start = i;
    while (isNameChar(xml[i])) i++;
    if (i === start) fail('expected a name');
    return xml.slice(start, i);
  };
  const skipSpace = () => {
    while (xml[i] === ' ' || xml[i] === '\n' || xml[i] === '\t' || xml[i] === '\r') i++;
  };
  if (xml.startsWith('<?xml')) {
    i = xml.indexOf('?>');
    if (i < 0) fail('unterminated XML declaration');
    i += 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) fail('CDATA outside the root element');
      const end = xml.indexOf(']]>', i);
      if (end < 0) fail('unterminated CDATA');
      stack.at(-1)!.text += xml.slice(i + 9, end);
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      if (xml[i] !== '>') fail('expected > after a closing tag');
      i++;
      const open = stack.pop();
      if (open?.name !== name) fail(`</${name}> closes <${open?.name ?? 'nothing'}>`);
    } else if (xml[i] === '<') {
      i++;
      const element: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
      for (;;) {
        const before = i;
        skipSpace();
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        if (i === before) fail('expected white space between attributes');
        const attr = readName();
        skipSpace();
        if (xml[i] !== '=') fail(`attribute ${attr} has no value`);
        i++;
        skipSpace();
        const quote = xml[i];
        if (quote !== '"' && quote !== "'") fail(`attribute ${attr} is not quoted`);
        const end = xml.indexOf(quote!, i + 1);
        if (end < 0) fail('unterminated attribute value');
        const raw = xml.slice(i + 1, end);
        if (raw.includes('<')) fail(`< in the value of attribute ${attr}`);
        if (attr in element.attrs) fail(`duplicate attribute ${attr}`);
        element.attrs[attr] = decode(raw);
        i = end + 1;
      }
      if (stack.length === 0) {
        if (root) fail('a second root element');
        root = element;
      } else stack.at(-1)!.children.push(element);
      if (xml.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(element);
      }
    } else {
      const end = xml.indexOf('<', i) < 0 ? xml.length : xml.indexOf('<', i);
      const raw = xml.slice(i, end);
      if (raw.includes(']]>')) fail(']]> in text');
      if (stack.length === 0) {
        if (raw.trim() !== '') fail('text outside the root element');
      } else stack.at(-1)!.text += decode(raw);
      i = end;
    }
  }
  if (stack.length > 0) fail(`<${stack.at(-1)!.name}> is never closed`);
  if (!root) fail('no root element');
  return root!;
}

function descendants(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((c) => [...(c.name === name ? [c] : []), ...descendants(c, name)]);
}

describe('junit.xml', () => {
  it('the checker itself rejects malformed XML', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow(/closes/);
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/duplicate/);
    expect(() => parseXml('<a>1 < 2</a>')).toThrow(/name/);
    expect(() => parseXml('<a>&nbsp;</a>')).toThrow(/unknown entity/);
    expect(() => parseXml('<a/><b/>')).toThrow(/second root/);
  });

  it('is well-formed with one testcase per rule and the right outcome elements', () => {
    const report = sampleReport({ hostile: true });
    const root = parseXml(renderJunit(report));
    expect(root.name).toBe('testsuites');
    const cases = descendants(root, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(report.rules.map((r) => r.id));
    for (const [index, rule] of report.rules.entries()) {
      const c = cases[index]!;
      expect(c.attrs.classname).toBe(rule.family);
      const kinds = c.children.map((child) => child.name);
      const expected = { pass: [], fail: ['failure'], error: ['error'], 'not-applicable': ['skipped'], observed: ['system-out'] }[rule.verdict];
      expect(kinds).toEqual(expected);
      if (rule.verdict === 'not-applicable') expect(c.children[0]!.attrs.message).toBe(rule.reason);
    }
    expect(root.attrs.failures).toBe(String(report.summary.counts.fail));
    expect(root.attrs.skipped).toBe(String(report.summary.counts['not-applicable']));
    const failed = cases.find((c) => c.attrs.name === 'meter-usage.rule-2')!;
    expect(failed.children[0]!.text).toContain(JSON.stringify(HOSTILE));
  });

  it('drops characters XML cannot carry; everything else round-trips', () => {
    const report = sampleReport();
    const rule = report.rules.find((r) => r.verdict === 'not-applicable')!;
    rule.reason = 'bad\u0000char \uD800 lone surrogate "quoted" & <tagged>';
    const observed = report.rules.find((r) => r.verdict === 'observed')!;
    observed.observed = 'line one\u0001\nline two \u{1F600} \uFFFE';
    const root = parseXml(renderJunit(report));
    const skipped = descendants(root, 'skipped').find((s) => s.attrs.message?.startsWith('bad'))!;
    expect(skipped.attrs.message).toBe('bad char  lone surrogate "quoted" & <tagged>');
    const out = descendants(root, 'system-out').find((s) => s.text.includes('line one'))!;
    expect(out.text).toContain('observed: line one\nline two \u{1F600} \n');
  });

  it('adds run problems as errors', () => {
    const report = { ...sampleReport(), problems: ['unhandled error: socket hang up'] };
    const root = parseXml(renderJunit(report));
    expect(descendants(root, 'error').some((e) => e.attrs.message === 'unhandled error: socket hang up')).toBe(true);
  });
});

describe('summaries', () => {
  it('markdown: verdict, score, counts table and failures with replay commands', () => {
    const report = sampleReport({ hostile: true });
    // Target text reaches the prose through an error's reason.
    report.rules.find((r) => r.verdict === 'error')!.reason = `target answered ${HOSTILE}`;
    const md = renderSummaryMarkdown(report);
    expect(md).toMatch(/^## ❌ NOT CONFORMANT: \d+ must rules failed, .*; judged \d+ of \d+ rules/);
    expect(md).toContain('| level | fail | error | observed | n/a | pass |');
    expect(md).toContain(`| must | ${['fail', 'error', 'observed', 'not-applicable', 'pass'].map((v) => report.summary.byLevel.must[v as 'pass']).join(' | ')} |`);
    for (const rule of report.rules.filter((r) => r.verdict === 'fail')) {
      expect(md).toContain(rule.id);
      expect(md).toContain(rule.failure!.replay);
    }
    // Outside code (which markdown shows literally), every < and > is escaped.
    const prose = md.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    expect(prose).toContain('\\<img');
    expect(prose).not.toMatch(/(^|[^\\])[<>]/m);
  });

  it('markdown lists the first 50 failures and counts the rest', () => {
    const md = renderSummaryMarkdown(manyFailures(80));
    expect(md.match(/^- ❌/gm)).toHaveLength(50);
    expect(md).toContain('…and 30 more');
  });

  it('console: fits one screen however many rules failed', () => {
    const text = renderConsoleSummary(manyFailures(200), { color: false, outDir: '/tmp/out' });
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(25);
    expect(text).toMatch(/…and \d+ more \(see report\.html\)/);
    expect(lines.at(-1)).toBe('Report: /tmp/out/report.html');
    expect(text).toContain('NOT CONFORMANT');
  });

  it('console: names each failed rule with its reason and replay command', () => {
    const report = sampleReport();
    const text = renderConsoleSummary(report, { color: false });
    for (const rule of report.rules.filter((r) => r.verdict === 'fail' || r.verdict === 'error')) expect(text).toContain(rule.id);
    expect(text).toContain('replay: npx metering-conformance run --seed 424242 --rules meter-usage.rule-2 --replay 37:1:0');
    expect(text).toContain('target request timed out');
    expect(text).toContain(`Score ${(report.summary.score! * 100).toFixed(1)}%`);
  });

  it('console: colours only when asked, and never passes terminal escapes from the target through', () => {
    const report = sampleReport();
    report.rules.find((r) => r.verdict === 'error')!.reason = 'evil \u001b[2J\u001b[31mFAKE PASS\r';
    const plain = renderConsoleSummary(report, { color: false });
    expect(plain).not.toContain('\u001b');
    expect(plain).not.toContain('\r');
    const coloured = renderConsoleSummary(report, { color: true });
    expect(coloured).toContain('\u001b[');
    expect(coloured).not.toContain('\u001b[2J');
  });

  it('console: says CONFORMANT when the gate holds', () => {
    const report = sampleReport();
    const rules = report.rules.filter((r) => r.verdict === 'pass');
    const passing = { ...report, rules, summary: summarize(rules, 'should') };
    expect(renderConsoleSummary(passing, { color: false })).toMatch(new RegExp(`^CONFORMANT on ${rules.length} of ${rules.length} rules: no must or should rule failed$`, 'm'));
  });

  it('console and markdown: an inconclusive run says so, with what was not judged and why', () => {
    const report = sampleReport();
    const rules = report.rules.filter((r) => r.verdict === 'not-applicable' || r.level === 'implementation-defined');
    const inconclusive = { ...report, rules, summary: summarize(rules, 'should') };
    expect(inconclusive.summary.outcome).toBe('inconclusive');
    const notJudged = rules.filter((r) => r.verdict === 'not-applicable' || r.verdict === 'error').length;
    const line = new RegExp(`^INCONCLUSIVE: no must or should rule ended pass or fail; judged ${rules.length - notJudged} of ${rules.length} rules \\(${notJudged} not judged: `, 'm');
    expect(renderConsoleSummary(inconclusive, { color: false })).toMatch(line);
    expect(renderConsoleSummary(inconclusive, { color: false })).toContain('Score n/a');
    expect(renderSummaryMarkdown(inconclusive)).toMatch(/^## ⚠️ INCONCLUSIVE: /);
    expect(renderHtml(inconclusive)).toContain('<div class="status warn" id="status">Inconclusive<small>INCONCLUSIVE: ');
  });
});

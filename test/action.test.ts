// The GitHub Action (action.yml): its inputs and steps, and its step script
// (.github/action/run.sh) run as the runner would run it — inputs substituted into the step's
// environment, a job summary file, a stub metering-conformance — checking the flags it passes,
// the summary it appends and the exit code it ends with.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../core/paths.js';
import { tempDir } from './support/cli.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(join(PACKAGE_ROOT, 'action.yml'), 'utf8')) as Action;
const SCRIPT = join(PACKAGE_ROOT, '.github', 'action', 'run.sh');
const INPUTS = ['endpoint', 'config', 'baseline', 'driver', 'sdk', 'level', 'shard', 'seed', 'out', 'version', 'artifact-name'];
const runStep = action.runs.steps.find((s) => s.id === 'run')!;

/** A stub metering-conformance: records its arguments, writes summary.md into --out unless told not to, exits STUB_EXIT. */
function stubTool(dir: string, name = 'metering-conformance'): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `#!/usr/bin/env bash
printf '%s\\n' "$@" > "$STUB_ARGS"
out=""; prev=""
for a in "$@"; do if [ "$prev" = "--out" ]; then out="$a"; fi; prev="$a"; done
if [ "\${STUB_SUMMARY:-yes}" = yes ]; then mkdir -p "$out"; printf '## stub summary\\nexit %s\\n' "$STUB_EXIT" > "$out/summary.md"; fi
exit "$STUB_EXIT"
`,
    { mode: 0o755 },
  );
  return file;
}

interface StepRun {
  status: number | null;
  args: string[];
  summary: string;
  outputs: string;
  stdout: string;
  stderr: string;
}

/**
 * Runs the action's step as the runner does: its env with each `${{ inputs.x }}` replaced by
 * the input given (else its default), in a fresh workspace with a job summary that already
 * holds a line.
 */
function runActionStep(inputs: Record<string, string>, stub: { exit: number; summary?: boolean }, extraEnv: Record<string, string> = {}): StepRun {
  const workspace = tempDir('mc-action-');
  const bin = join(workspace, '.bin');
  mkdirSync(bin);
  const tool = stubTool(bin);
  const summaryFile = join(workspace, 'step-summary.md');
  const outputFile = join(workspace, 'github-output');
  const argsFile = join(workspace, 'args');
  writeFileSync(summaryFile, 'earlier step\n');
  writeFileSync(outputFile, '');
  const stepEnv = Object.fromEntries(
    Object.entries(runStep.env!).map(([name, value]) => {
      const input = /^\$\{\{ inputs\.([a-z-]+) \}\}$/.exec(value)![1];
      return [name, inputs[input] ?? action.inputs[input].default ?? ''];
    }),
  );
  const env = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: workspace,
    GITHUB_ACTION_PATH: PACKAGE_ROOT,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
    METERING_CONFORMANCE_COMMAND: tool,
    STUB_ARGS: argsFile,
    STUB_EXIT: String(stub.exit),
    STUB_SUMMARY: stub.summary === false ? 'no' : 'yes',
    ...stepEnv,
    ...extraEnv,
  };
  expect(runStep.shell).toBe('bash');
  const result = spawnSync('bash', ['-c', runStep.run!], { cwd: workspace, env, encoding: 'utf8' });
  return {
    status: result.status,
    args: existsSync(argsFile) ? readFileSync(argsFile, 'utf8').split('\n').slice(0, -1) : [],
    summary: readFileSync(summaryFile, 'utf8'),
    outputs: readFileSync(outputFile, 'utf8'),
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

describe('action.yml', () => {
  test('is a composite action with the inputs of the run, each described, out defaulting to conformance-report', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUTS].sort());
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description.length, name).toBeGreaterThan(10);
      expect(input.required ?? false, name).toBe(false);
    }
    expect(action.inputs.out.default).toBe('conformance-report');
    for (const name of INPUTS.filter((n) => n !== 'out')) expect(action.inputs[name].default, name).toBe('');
  });

  test('runs its script with every input in the environment, then uploads the report folder even when the run failed', () => {
    expect(runStep.run).toBe('bash "$GITHUB_ACTION_PATH/.github/action/run.sh"');
    accessSync(SCRIPT, constants.X_OK);
    const mapped = Object.values(runStep.env!).map((v) => /^\$\{\{ inputs\.([a-z-]+) \}\}$/.exec(v)?.[1]);
    expect(mapped.sort()).toEqual([...INPUTS].sort());
    const script = readFileSync(SCRIPT, 'utf8');
    for (const name of Object.keys(runStep.env!)) expect(script, name).toContain(`\${${name}:-`);
    expect(action.runs.steps).toHaveLength(2);
    const upload = action.runs.steps[1];
    expect(action.runs.steps[0]).toBe(runStep);
    expect(upload.uses).toBe('actions/upload-artifact@v4');
    expect(upload.if).toBe('always()');
    expect(upload.with?.path).toBe('${{ inputs.out }}');
    expect(upload.with?.name).toMatch(/^\$\{\{ steps\.run\.outputs\.artifact-name /);
  });

  test('its outputs are the step\'s', () => {
    expect(action.outputs['exit-code'].value).toBe('${{ steps.run.outputs.exit-code }}');
    expect(action.outputs['report-dir'].value).toBe('${{ steps.run.outputs.report-dir }}');
    expect(action.outputs['artifact-name'].value).toBe('${{ steps.run.outputs.artifact-name }}');
  });
});

describe('the action step (.github/action/run.sh)', () => {
  test('passes a flag for every input given, in order, and --out', () => {
    const run = runActionStep(
      {
        endpoint: 'http://127.0.0.1:8080',
        config: 'target.yaml',
        baseline: 'conformance-baseline.yaml',
        driver: 'sdk',
        sdk: './aws-sdk-js-v3/clients/client-marketplace-metering',
        level: 'must',
        shard: '2/3',
        seed: '4242',
        out: 'reports/shard 2',
      },
      { exit: 0 },
    );
    expect(run.args).toEqual([
      'run',
      '--endpoint',
      'http://127.0.0.1:8080',
      '--config',
      'target.yaml',
      '--baseline',
      'conformance-baseline.yaml',
      '--driver',
      'sdk',
      '--sdk',
      './aws-sdk-js-v3/clients/client-marketplace-metering',
      '--level',
      'must',
      '--shard',
      '2/3',
      '--seed',
      '4242',
      '--out',
      'reports/shard 2',
    ]);
    expect(run.status).toBe(0);
  });

  test('passes nothing for inputs left empty', () => {
    expect(runActionStep({}, { exit: 0 }).args).toEqual(['run', '--out', 'conformance-report']);
    expect(runActionStep({ driver: 'sdk', baseline: 'b.yaml' }, { exit: 0 }).args).toEqual(['run', '--baseline', 'b.yaml', '--driver', 'sdk', '--out', 'conformance-report']);
  });

  test.each([0, 1, 2])('appends summary.md to the job summary and exits with the run\'s code %i', (code) => {
    const run = runActionStep({ endpoint: 'http://127.0.0.1:8080' }, { exit: code });
    expect(run.status, run.stderr).toBe(code);
    expect(run.summary).toBe(`earlier step\n## stub summary\nexit ${code}\n`);
    expect(run.outputs).toBe(`report-dir=conformance-report\nartifact-name=conformance-report\nexit-code=${code}\n`);
  });

  test('says so in the job summary when the run wrote no summary.md, and still exits with its code', () => {
    const run = runActionStep({ out: 'out-dir' }, { exit: 2, summary: false });
    expect(run.status).toBe(2);
    expect(run.summary).toBe('earlier step\n**metering-conformance exited with 2 and wrote no out-dir/summary.md**: see the step log.\n');
  });

  test('names the artifact after the shard, or as asked', () => {
    expect(runActionStep({ shard: '2/3', seed: '7' }, { exit: 1 }).outputs).toContain('\nartifact-name=conformance-report-shard-2-of-3\n');
    expect(runActionStep({ shard: '2/3', 'artifact-name': 'mine' }, { exit: 0 }).outputs).toContain('\nartifact-name=mine\n');
  });

  test('runs the tool with npx, at the version asked for, without METERING_CONFORMANCE_COMMAND', () => {
    const fakeNpx = tempDir('mc-action-npx-');
    stubTool(fakeNpx, 'npx');
    const pathFirst = { PATH: `${fakeNpx}:${process.env.PATH}`, METERING_CONFORMANCE_COMMAND: '' };
    expect(runActionStep({ version: '1.2.3', driver: 'sdk' }, { exit: 1 }, pathFirst).args).toEqual(['--yes', 'metering-conformance@1.2.3', 'run', '--driver', 'sdk', '--out', 'conformance-report']);
    const latest = runActionStep({}, { exit: 0 }, pathFirst);
    expect(latest.args).toEqual(['--yes', 'metering-conformance', 'run', '--out', 'conformance-report']);
    expect(latest.stdout).toContain('metering-conformance: npx --yes metering-conformance run --out conformance-report');
  });
});

describe('the workflows of examples/github-actions that use the action', () => {
  interface Workflow {
    jobs: Record<string, { strategy?: { matrix: Record<string, unknown[]> }; steps: (Step & { 'continue-on-error'?: boolean })[] }>;
  }
  const load = (name: string) => parse(readFileSync(join(PACKAGE_ROOT, 'examples', 'github-actions', name), 'utf8')) as Workflow;
  const actionSteps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps.filter((s) => /\/metering-conformance@/.test(s.uses ?? '')));

  test.each(['sdk-pull-request.yml', 'sharded-release-compare.yml'])('%s gives the action only inputs it has', (name) => {
    const steps = actionSteps(load(name));
    expect(steps).toHaveLength(1);
    for (const key of Object.keys(steps[0].with ?? {})) expect(Object.keys(action.inputs), key).toContain(key);
  });

  test("sdk-pull-request.yml: the pull request's client build through the sdk driver, judged against main's baseline", () => {
    const workflow = load('sdk-pull-request.yml');
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const run = actionSteps(workflow)[0];
    expect(run.with).toMatchObject({ driver: 'sdk', sdk: './aws-sdk-js-v3/clients/client-marketplace-metering' });
    const mainCheckout = steps.find((s) => s.uses?.startsWith('actions/checkout@') && s.with?.ref === 'main')!;
    expect(run.with!.baseline.startsWith(`${mainCheckout.with!.path}/`)).toBe(true);
    const prCheckout = steps.find((s) => s.uses?.startsWith('actions/checkout@') && s.with?.ref === undefined)!;
    expect(prCheckout.with?.path).toBe('aws-sdk-js-v3');
    expect(steps.indexOf(run)).toBe(steps.length - 1);
  });

  test('sharded-release-compare.yml: one seed for every shard, a merge of them all, then compare against the last release', () => {
    const workflow = load('sharded-release-compare.yml');
    const shard = workflow.jobs.shard;
    const run = actionSteps(workflow)[0];
    expect(shard.strategy!.matrix.shard).toEqual([1, 2, 3]);
    expect(run.with!.shard).toBe('${{ matrix.shard }}/${{ env.SHARDS }}');
    expect(run.with!.seed).not.toMatch(/matrix/);
    expect(run['continue-on-error']).toBe(true);
    const merge = workflow.jobs.merge.steps;
    const download = merge.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with?.pattern).toBe('conformance-report-shard-*');
    // The artifact names the action gives the shards match the pattern.
    expect(runActionStep({ shard: '3/3' }, { exit: 0 }).outputs).toContain('\nartifact-name=conformance-report-shard-3-of-3\n');
    const mergeRun = merge.find((s) => s.run?.includes('report --merge'))!.run!;
    expect(mergeRun).toContain(`report --merge ${download.with!.path}/*/report.json --out conformance-report`);
    const compare = merge.find((s) => s.id === 'compare')!.run!;
    expect(compare).toMatch(/compare last-release\/\S+ conformance-report\/report\.json --out /);
    expect(merge.at(-1)!.run).toContain('exit "${MERGE_EXIT:-2}"');
    expect(merge.at(-1)!.run).toContain('exit "$COMPARE_EXIT"');
  });
});

// The AWS conventions for endpoint, region and credentials (target/aws-environment.ts), with
// shared config and credentials files in temp folders, and the same through the command.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { normalizeCapabilities, normalizeFixtures } from '../target/config.js';
import { credentialsFromEnvironment, endpointFromEnvironment, parseIni, regionFromEnvironment } from '../target/aws-environment.js';
import { TEST_CREDENTIALS, type CallerSource } from '../core/description.js';
import { resolveTarget } from '../target/resolve.js';
import { readReport, runCli, serveAround, tempDir } from './support/cli.js';

/** An environment whose shared files are the given texts (absent when undefined). */
function envWith(files: { config?: string; credentials?: string }, vars: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = tempDir('mc-aws-');
  const config = join(dir, 'config');
  const credentials = join(dir, 'credentials');
  if (files.config !== undefined) writeFileSync(config, files.config);
  if (files.credentials !== undefined) writeFileSync(credentials, files.credentials);
  return { HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, ...vars };
}

const CONFIG = `# shared config
[default]
region = eu-west-1

[profile dev]
region = ap-southeast-2 ; inline comment
s3 =
  addressing_style = path
aws_access_key_id = AKIDCONFIGDEV
aws_secret_access_key = configdevsecret

[profile sso-only]
sso_session = corp
`;

const CREDENTIALS = `[default]
aws_access_key_id = AKIDFILEDEFAULT
aws_secret_access_key = filedefaultsecret

[dev]
aws_access_key_id=AKIDFILEDEV
aws_secret_access_key=filedevsecret
aws_session_token=filedevtoken
`;

describe('parseIni', () => {
  test('reads sections and keys, skips comments and nested sub-settings', () => {
    const sections = parseIni(CONFIG);
    expect([...sections.keys()]).toEqual(['default', 'profile dev', 'profile sso-only']);
    expect(Object.fromEntries(sections.get('profile dev')!)).toEqual({
      region: 'ap-southeast-2',
      aws_access_key_id: 'AKIDCONFIGDEV',
      aws_secret_access_key: 'configdevsecret',
    });
  });

  test('keys before any section, and lines without "=", are ignored', () => {
    expect(parseIni('stray = 1\n[a]\nnot a setting\nk = v # note\n')).toEqual(new Map([['a', new Map([['k', 'v']])]]));
  });
});

describe('endpoint', () => {
  test('the service-specific variable wins over AWS_ENDPOINT_URL', () => {
    expect(endpointFromEnvironment({ AWS_ENDPOINT_URL: 'http://global', AWS_ENDPOINT_URL_MARKETPLACE_METERING: 'http://metering' })).toEqual({
      value: 'http://metering',
      source: 'AWS_ENDPOINT_URL_MARKETPLACE_METERING',
    });
    expect(endpointFromEnvironment({ AWS_ENDPOINT_URL: 'http://global' })).toEqual({ value: 'http://global', source: 'AWS_ENDPOINT_URL' });
  });

  test('none, empty, or ignored by AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', () => {
    expect(endpointFromEnvironment({})).toBeUndefined();
    expect(endpointFromEnvironment({ AWS_ENDPOINT_URL: '  ' })).toBeUndefined();
    expect(endpointFromEnvironment({ AWS_ENDPOINT_URL: 'http://global', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'TRUE' })).toBeUndefined();
  });
});

describe('region', () => {
  test('AWS_REGION, then AWS_DEFAULT_REGION, then the profile in the config file', () => {
    const files = { config: CONFIG };
    expect(regionFromEnvironment(envWith(files, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-east-2' }))?.value).toBe('us-west-2');
    expect(regionFromEnvironment(envWith(files, { AWS_DEFAULT_REGION: 'us-east-2' }))?.value).toBe('us-east-2');
    expect(regionFromEnvironment(envWith(files))?.value).toBe('eu-west-1');
    expect(regionFromEnvironment(envWith(files, { AWS_PROFILE: 'dev' }))).toMatchObject({ value: 'ap-southeast-2', source: expect.stringContaining('[dev]') });
  });

  test('no region anywhere, or a profile without one', () => {
    expect(regionFromEnvironment(envWith({}))).toBeUndefined();
    expect(regionFromEnvironment(envWith({ config: CONFIG }, { AWS_PROFILE: 'sso-only' }))).toBeUndefined();
  });

  test('~/.aws/config under HOME when AWS_CONFIG_FILE is not set', () => {
    const env = envWith({});
    const dir = env.HOME!;
    writeFileSync(join(dir, 'config'), '[default]\nregion = sa-east-1\n');
    expect(regionFromEnvironment({ HOME: dir, AWS_CONFIG_FILE: '~/config' })?.value).toBe('sa-east-1');
  });
});

describe('credentials', () => {
  test('the environment variables win, with the session token', () => {
    const env = envWith({ credentials: CREDENTIALS }, { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'envsecret', AWS_SESSION_TOKEN: 'envtoken' });
    expect(credentialsFromEnvironment(env)?.value).toEqual({ accessKeyId: 'AKIDENV', secretAccessKey: 'envsecret', sessionToken: 'envtoken' });
  });

  test('half of the variables is not enough: the shared credentials file is next', () => {
    const env = envWith({ credentials: CREDENTIALS }, { AWS_ACCESS_KEY_ID: 'AKIDENV' });
    expect(credentialsFromEnvironment(env)?.value).toEqual({ accessKeyId: 'AKIDFILEDEFAULT', secretAccessKey: 'filedefaultsecret' });
  });

  test('AWS_PROFILE picks the section; the credentials file wins over the config file', () => {
    const both = envWith({ credentials: CREDENTIALS, config: CONFIG }, { AWS_PROFILE: 'dev' });
    expect(credentialsFromEnvironment(both)?.value).toEqual({ accessKeyId: 'AKIDFILEDEV', secretAccessKey: 'filedevsecret', sessionToken: 'filedevtoken' });
    const configOnly = envWith({ config: CONFIG }, { AWS_PROFILE: 'dev' });
    expect(credentialsFromEnvironment(configOnly)).toMatchObject({ value: { accessKeyId: 'AKIDCONFIGDEV' }, source: expect.stringContaining('config [dev]') });
  });

  test('nothing configured: no credentials, and no error', () => {
    expect(credentialsFromEnvironment(envWith({}))).toBeUndefined();
    expect(credentialsFromEnvironment(envWith({ config: CONFIG }))).toBeUndefined();
  });

  test('a profile the user names must exist and hold static keys', () => {
    expect(() => credentialsFromEnvironment(envWith({ credentials: CREDENTIALS }, { AWS_PROFILE: 'nope' }))).toThrow(/profile "nope" \(AWS_PROFILE\) is in neither/);
    expect(() => credentialsFromEnvironment(envWith({ config: CONFIG }, { AWS_PROFILE: 'sso-only' }))).toThrow(/no aws_access_key_id .*not supported/);
  });
});

describe('resolveTarget uses them', () => {
  // A target that is not the reference emulator: it publishes no description.
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('credentials of the profile and the region of the environment', async () => {
    const env = envWith({ credentials: CREDENTIALS, config: CONFIG }, { AWS_PROFILE: 'dev' });
    const { description } = await resolveTarget({ endpoint: url, env });
    expect(description.credentials).toEqual({ accessKeyId: 'AKIDFILEDEV', secretAccessKey: 'filedevsecret', sessionToken: 'filedevtoken' });
    expect(description.region).toBe('ap-southeast-2');
    // Where they came from, for the report; never the values.
    expect(description.credentialsSource).toBe(`profile dev in ${env.AWS_SHARED_CREDENTIALS_FILE}`);
  });

  test('the report can say which credentials signed: variables, profile or the built-in test ones', async () => {
    const vars = envWith({}, { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'envsecret', AWS_SESSION_TOKEN: 'envtoken' });
    expect((await resolveTarget({ endpoint: url, env: vars })).description.credentialsSource).toBe('environment AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN)');
    expect((await resolveTarget({ endpoint: url, env: envWith({}) })).description.credentialsSource).toBe(
      'built-in test credentials (loopback target, no credentials in the environment)',
    );
  });

  test('--region and the config region come first; a loopback target without credentials gets the test ones', async () => {
    const env = envWith({ config: CONFIG }, { AWS_REGION: 'us-west-2' });
    expect((await resolveTarget({ endpoint: url, env, region: 'eu-north-1' })).description.region).toBe('eu-north-1');
    const { description } = await resolveTarget({ endpoint: url, env, config: { region: 'eu-south-1', fixtures: normalizeFixtures(undefined), capabilities: normalizeCapabilities(undefined) } });
    expect(description.region).toBe('eu-south-1');
    expect(description.credentials).toEqual(TEST_CREDENTIALS);
  });

  describe('callers target.yaml declares', () => {
    const configWith = (callers: CallerSource[]) => ({ callers, fixtures: normalizeFixtures(undefined), capabilities: normalizeCapabilities(undefined) });
    const env = envWith({ config: CONFIG, credentials: CREDENTIALS }, { B_KEY: 'AKIDCALLERB', B_SECRET: 'callerbsecret', B_TOKEN: 'callerbtoken' });

    test('take their credentials from a profile or from the variables they name', async () => {
      const callers: CallerSource[] = [{ profile: 'dev' }, { accessKeyIdVariable: 'B_KEY', secretAccessKeyVariable: 'B_SECRET', sessionTokenVariable: 'B_TOKEN' }];
      const { description } = await resolveTarget({ endpoint: url, env, config: configWith(callers) });
      expect(description.callers).toEqual([
        { credentials: { accessKeyId: 'AKIDFILEDEV', secretAccessKey: 'filedevsecret', sessionToken: 'filedevtoken' }, source: { profile: 'dev' } },
        { credentials: { accessKeyId: 'AKIDCALLERB', secretAccessKey: 'callerbsecret', sessionToken: 'callerbtoken' }, source: callers[1] },
      ]);
      expect((await resolveTarget({ endpoint: url, env, config: configWith([]) })).description.callers).toBeUndefined();
    });

    test('a caller whose credentials are not there, or that signs as another caller, is a configuration error naming it', async () => {
      const resolveWith = (callers: CallerSource[]) => resolveTarget({ endpoint: url, env, config: configWith(callers) });
      await expect(resolveWith([{ profile: 'dev' }, { accessKeyIdVariable: 'NOT_SET', secretAccessKeyVariable: 'B_SECRET' }])).rejects.toThrow('callers[1]: the environment variable NOT_SET is not set');
      await expect(resolveWith([{ profile: 'nope' }])).rejects.toThrow(/^profile "nope" \(callers\[0\]\) is in neither/);
      await expect(resolveWith([{ profile: 'sso-only' }])).rejects.toThrow(/^profile "sso-only" \(callers\[0\]\) has no aws_access_key_id/);
      await expect(resolveWith([{ profile: 'dev' }, { profile: 'dev' }])).rejects.toThrow('callers[1]: signs with the same access key id as callers[0]: every declared caller needs an access key id of its own');
      const asTheRun = envWith({}, { B_KEY: TEST_CREDENTIALS.accessKeyId, B_SECRET: 'x' });
      await expect(resolveTarget({ endpoint: url, env: asTheRun, config: configWith([{ accessKeyIdVariable: 'B_KEY', secretAccessKeyVariable: 'B_SECRET' }]) })).rejects.toThrow(
        "callers[0]: signs with the same access key id as the run's own credentials",
      );
    });
  });
});

describe('through the command', { timeout: 600_000 }, () => {
  const served = serveAround();

  test('the real-service guard applies to an endpoint from the environment, before any connection', async () => {
    const result = await runCli(['run', '--runs', '1'], { env: { AWS_ENDPOINT_URL_MARKETPLACE_METERING: 'https://metering.marketplace.us-east-1.amazonaws.com' } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/AWS_ENDPOINT_URL_MARKETPLACE_METERING: .*real AWS service.*nothing was sent/);
  });

  test('AWS_ENDPOINT_URL_MARKETPLACE_METERING wins over AWS_ENDPOINT_URL, and both over the embedded emulator', async () => {
    const out = tempDir();
    const result = await runCli(['run', '--out', out, '--runs', '5', '--seed', '3', '--rules', 'meter-usage.accepts-valid'], {
      timeoutMs: 600_000,
      // The global variable points at the real service: were it used, the guard would refuse it.
      env: { AWS_ENDPOINT_URL: 'https://metering.marketplace.us-east-1.amazonaws.com', AWS_ENDPOINT_URL_MARKETPLACE_METERING: served.url },
    });
    expect(result.stderr).toContain(`note: endpoint ${served.url} from AWS_ENDPOINT_URL_MARKETPLACE_METERING`);
    expect(result.code).toBe(0);
    expect(readReport(out).run.target).toBe(served.url);
  });

  test('--endpoint wins over the environment', async () => {
    const result = await runCli(['run', '--endpoint', 'not a url'], { env: { AWS_ENDPOINT_URL: served.url } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^metering-conformance: endpoint "not a url" is not a valid URL/);
  });
});

// The allowed directions between the project's folders, checked by dependency-cruiser in
// `npm test` (test/architecture.test.ts) and by `npm run lint:arch`. Each folder stands on a
// floor and imports only from floors below it, never sideways into another folder of its own
// floor. README.md ("Architecture") says what each floor is for.
const FLOORS = [
  ['core'], // 0: facts of the model and the protocol: model loader, vocabulary, wire, SigV4, paths
  ['generators', 'target', 'emulator'], // 1: requests to send; the clients that send them; the reference emulator
  ['catalogue'], // 2: the rules, hand-written and derived from the model where a request can break a constraint
  ['reports'], // 3: report.json and its renderings
  ['suites'], // 4: the properties that judge a target, filling in the report's rule metadata
  ['plan'], // 5: a run, planned: rules, target, vitest and reporter options
  ['cli', 'api', 'bench', 'mutation'], // 6: the ways in
];

const SOURCE = '^(' + FLOORS.flat().join('|') + ')/';

const floorRules = FLOORS.flatMap((folders, floor) =>
  folders.map((folder) => {
    const notBelow = FLOORS.slice(floor).flat().filter((f) => f !== folder);
    return {
      name: `floor-${floor}-${folder}`,
      comment: `${folder}/ (floor ${floor}) imports only from floors below it: not from ${notBelow.join(', ')}`,
      severity: 'error',
      from: { path: `^${folder}/` },
      to: { path: `^(${notBelow.join('|')})/` },
    };
  }),
).filter((rule) => !rule.to.path.startsWith('^()'));

module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: 'emulator-stands-on-core-only',
      comment: 'The reference emulator shares facts (core/) with the suite, never its judgement: one shared mistake would make both agree.',
      severity: 'error',
      from: { path: '^emulator/' },
      to: { path: SOURCE, pathNot: '^(core|emulator)/' },
    },
    {
      name: 'suites-never-import-the-emulator',
      comment: 'Suites judge any target through target/; they must not know the reference emulator.',
      severity: 'error',
      from: { path: '^suites/' },
      to: { path: '^emulator/' },
    },
    {
      name: 'no-cycles',
      comment: 'No module reaches itself through its imports, type-only imports included.',
      severity: 'error',
      from: { path: SOURCE },
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: { path: SOURCE },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    includeOnly: SOURCE,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|test)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};

// The floors, for test/architecture.test.ts (not a dependency-cruiser setting: hidden from its schema).
Object.defineProperty(module.exports, 'FLOORS', { value: FLOORS, enumerable: false });

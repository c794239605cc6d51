/**
 * Two projects: `unit` runs pure specs beside the code; `system` runs the integration specs
 * (real PostgreSQL) and the end-to-end suites (every real part as its own process), sharing one
 * PostgreSQL and one Temporal dev server started by the global setup.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^#libs/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^#dev-stack$': '<rootDir>/apps/dev-stack/src/index.ts',
    '^#workflows/(.*)$': '<rootDir>/workflows/$1.ts',
    '^#test/(.*)$': '<rootDir>/test/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Its ES build imports JSON without an import attribute, which Jest warns about.
    '^libphonenumber-js/max$': '<rootDir>/node_modules/libphonenumber-js/max/index.cjs',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.data/'],
};

export default {
  // System suites start real processes; their own waits fail sooner with a clearer message.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,workflows,test}/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'],
    },
    {
      ...common,
      displayName: 'system',
      testMatch: ['<rootDir>/{apps,libs,workflows}/**/*.int.spec.ts', '<rootDir>/test/**/*.e2e.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      slowTestThreshold: 60,
    },
  ],
};

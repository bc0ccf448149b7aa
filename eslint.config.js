import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.mindflow/**', 'infra/**', '*.config.js'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // ports are async interfaces; an adapter that happens not to await still returns a promise
      '@typescript-eslint/require-await': 'off',
      // `const { secret: _secret, ...rest } = value` leaves a field out on purpose
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment in a config module only.' },
      ],
    },
  },
  {
    // The fault suite's harness hands the test's environment to the engine scripts and children.
    files: [
      '**/config.ts',
      'core/src/testing/**',
      'cli/src/testing/**',
      '**/*.spec.ts',
      'bench/**',
      'cli/src/faults/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The web client: React's rules of hooks; a browser has no process.env.
    files: ['web/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
  {
    files: ['web/scripts/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { console: 'readonly', process: 'readonly' },
    },
  },
  {
    // tap's t.test() returns a promise that tap itself tracks; connections are destructured
    files: ['**/*.spec.ts', '**/*.contract.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);

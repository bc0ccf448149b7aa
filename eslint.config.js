import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    files: ['**/config.ts', 'core/src/testing/**', '**/*.spec.ts', 'bench/**', 'cli/src/faults/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // tap's t.test() returns a promise that tap itself tracks; connections are destructured
    files: ['**/*.spec.ts', '**/*.contract.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);

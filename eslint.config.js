// Lint rules. The important one: the core and the connection layer never import UI libraries,
// so they stay usable as a library and testable without a terminal.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const uiModules = ['ink', 'ink-*', 'react', 'react/*', 'chalk', 'cli-table3', 'commander'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.bench-data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/connection/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: uiModules, message: 'src/core and src/connection stay UI-free: render in src/render, src/tui or src/cli.' },
            { group: ['**/render/**', '**/tui/**', '**/cli/**'], message: 'the core must not depend on front ends.' },
          ],
        },
      ],
      'no-console': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'exit', message: 'the core never exits: throw a CachectlError.' }],
    },
  },
);

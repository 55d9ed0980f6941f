// Lint rules. The important one: the core and the connection layer never import UI libraries,
// so they stay usable as a library and testable without a terminal.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const uiModules = ['ink', 'ink-*', 'react', 'react/*', 'chalk', 'cli-table3', 'commander'];
const uiPackages = { group: uiModules, message: 'below the renderers nothing imports a UI library: render in src/render, src/tui or src/cli.' };

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
  // The layers, bottom up: base <- connection <- core <- render <- (cli | tui). Imports point down only;
  // the two front ends never import each other (the CLI launches a TUI with a dynamic import()).
  {
    files: ['src/base/**/*.ts', 'src/connection/**/*.ts', 'src/core/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'exit', message: 'below the front ends nothing exits: throw a CachectlError.' }],
    },
  },
  {
    files: ['src/base/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [uiPackages, { group: ['**/connection/**', '**/core/**', '**/render/**', '**/tui/**', '**/cli/**'], message: 'src/base is the bottom layer: it imports nothing of the project above it.' }] }] },
  },
  {
    files: ['src/connection/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [uiPackages, { group: ['**/core/**', '**/render/**', '**/tui/**', '**/cli/**'], message: 'src/connection imports only src/base.' }] }] },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [uiPackages, { group: ['**/render/**', '**/tui/**', '**/cli/**'], message: 'the core must not depend on front ends or renderers.' }] }] },
  },
  {
    files: ['src/render/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['ink', 'ink-*', 'react', 'react/*', 'commander'], message: 'renderers turn data into text: no ink, React or commander.' }, { group: ['**/tui/**', '**/cli/**'], message: 'renderers do not depend on a front end.' }] }] },
  },
  {
    files: ['src/tui/**/*.ts', 'src/tui/**/*.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/**', 'commander'], message: 'the TUI does not import the CLI: shared pieces live in core or render.' }] }] },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/tui/**', 'ink', 'ink-*', 'react', 'react/*'], message: 'the CLI loads a TUI only with a dynamic import() (commands that draw none stay fast).' }] }] },
  },
);

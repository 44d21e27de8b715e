import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The layers of docs/architecture.md § Layers: each zone forbids `target` importing `from`.
const layerZones = [
  { target: './src/http', from: ['./src/resilience', './src/sources', './src/loads', './src/resolvers'], message: 'http/ is the bottom layer' },
  { target: './src/resilience', from: ['./src/sources', './src/loads', './src/resolvers'], message: 'resilience/ knows nothing of sources or GraphQL' },
  { target: './src/sources', from: ['./src/loads', './src/resolvers'], message: 'sources/ never imports a request\'s loads or a resolver' },
  { target: './src/loads', from: './src/resolvers', message: 'a request\'s loads never import a resolver' },
  { target: './src/degradation', from: './src/resolvers', message: 'the fallback order never imports a resolver' },
  // src/degradation/ sits above the sources (its fallback order reads a request's loads), but its
  // leaf modules sit below: every layer may name a reason code, and the sources fill the stale stores.
  { target: './src/http', from: './src/degradation', except: ['./reasons.ts'], message: 'http/ may import only src/degradation/reasons.ts' },
  { target: './src/resilience', from: './src/degradation', except: ['./reasons.ts'], message: 'resilience/ may import only src/degradation/reasons.ts' },
  { target: ['./src/sources', './src/loads'], from: './src/degradation', except: ['./reasons.ts', './stale-cache.ts', './shared-stale-store.ts'], message: 'sources/ and loads/ may import only the reason codes and the stale stores of src/degradation/' },
  { target: './src/degradation/reasons.ts', from: './src', message: 'the reason codes are a leaf module: every layer imports them' },
  { target: './src/cluster', from: './src/plugins', message: 'cluster/ reads the dashboard\'s status model from src/dashboard/status.ts, never a plugin' },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/generated/', 'coverage/', 'test-artifacts/', 'bench/results/', '.stryker-tmp/', 'reports/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Import cycles and the layer rule (docs/architecture.md § Layers), checked on every lint.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': 'error',
      // Comments cite docs in this repository (docs/architecture.md), never documents that are not here.
      'no-warning-comments': ['error', { terms: ['DESIGN.md', 'Contract 1', 'Contract 2', 'Contract 3'], location: 'anywhere' }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    // The demo services stand in for real upstreams: they know the source names and the faults
    // contract, nothing else of the gateway (demo/main.ts, a separate entry point, reads the registry).
    files: ['src/demo/**/*.ts'],
    ignores: ['src/demo/main.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: [{ target: './src/demo', from: './src', except: ['./demo', './faults', './sources/names.ts'], message: 'the demo depends only on src/faults/ and src/sources/names.ts' }] }],
    },
  },
  {
    // Production code never imports the demo services; only main.ts starts them in development.
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/demo/**'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones, { target: './src', from: './src/demo', message: 'only main.ts imports the demo' }] }],
    },
  },
);

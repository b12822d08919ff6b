import { defineConfig } from 'vitest/config';

// Each test file gets its own emulator on a free port, so files may run in parallel.
export default defineConfig({ test: { include: ['*.test.mjs'], testTimeout: 20_000 } });

// ES modules as they are: no transform. Run with NODE_OPTIONS=--experimental-vm-modules.
export default { testEnvironment: 'node', transform: {}, testMatch: ['<rootDir>/*.test.mjs'], testTimeout: 20_000 };

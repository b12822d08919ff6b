// `saas-fulfillment/client`: the same as `@saas-fulfillment/client`, for code that imports it through the CLI package.
export * from '@saas-fulfillment/client';

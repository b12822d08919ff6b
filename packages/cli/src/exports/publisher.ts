// `saas-fulfillment/publisher`: the same as `@saas-fulfillment/publisher`, for code that imports it through the CLI package.
export * from '@saas-fulfillment/publisher';

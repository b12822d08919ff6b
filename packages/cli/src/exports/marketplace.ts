// `saas-fulfillment/marketplace`: the same as `@saas-fulfillment/marketplace`, for code that imports it through the CLI package.
export * from '@saas-fulfillment/marketplace';

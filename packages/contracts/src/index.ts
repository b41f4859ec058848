export * from './error-codes';
export * from './permissions';

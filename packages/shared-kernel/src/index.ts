// The shared kernel: tiny, framework-free types every module and the platform agree on.
export * from './access-token-authenticator';
export * from './background-work';
export * from './clock';
export * from './domain-error';
export * from './principal';
export * from './request-meta';
export * from './unit-of-work';
export * from './uuid';

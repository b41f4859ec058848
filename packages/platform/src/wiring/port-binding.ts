import type {
  Abstract,
  ClassProvider,
  DynamicModule,
  ExistingProvider,
  FactoryProvider,
  Provider,
  ValueProvider,
} from '@nestjs/common';

/**
 * How a composition root answers a port a module declares: a class, a value, a factory or an
 * existing token (a provider exported by one of `imports`). A module that needs another's
 * capability takes one of these in its `forRoot`, so a deployment hosting only that module can
 * bind a remote adapter or, in a test, a fake.
 */
export type PortBinding<T> =
  | Omit<ClassProvider<T>, 'provide'>
  | Omit<ValueProvider<T>, 'provide'>
  | Omit<FactoryProvider<T>, 'provide'>
  | Omit<ExistingProvider<T>, 'provide'>;

/** Modules whose exports the bindings may name (`useExisting`, `inject`). */
export type BindingImports = NonNullable<DynamicModule['imports']>;

export function bindPort<T>(port: Abstract<T>, binding: PortBinding<T>): Provider<T> {
  return { provide: port, ...binding } as Provider<T>;
}

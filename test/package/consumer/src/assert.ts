// Type-level assertions. A type that silently became `any` (unresolved import, broken .d.ts under
// `skipLibCheck`) fails `NotAny`; a wrong type fails `Equal`/`Extends`.
export type IsAny<T> = 0 extends 1 & T ? true : false;
export type NotAny<T> = IsAny<T> extends true ? false : true;
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export type Extends<A, B> = [A] extends [B] ? true : false;
export type Expect<T extends true> = T;

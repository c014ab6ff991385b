// Types of the one function the daemon uses from fs-native-extensions (the package ships none).
declare module 'fs-native-extensions' {
  /** Tries to take a lock on the whole file `fd` (exclusive unless `shared`); false when another holder has it. */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  const fsx: { tryLock: typeof tryLock };
  export default fsx;
}

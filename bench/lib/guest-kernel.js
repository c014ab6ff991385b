// A guest "kernel" for the memory bench: a multiboot image (flat, a.out kludge) that halts, so QEMU's own loader fills RAM with its module.

const LOAD_ADDRESS = 0x100000;
const MAGIC = 0x1badb002;
/** Bit 0: modules page-aligned; bit 16: the load addresses below are valid (the file is a flat image). */
const FLAGS = 0x00010001;
const HEADER_BYTES = 32;
/** cli; hlt; jmp back to the hlt. */
const HALT_FOREVER = [0xfa, 0xf4, 0xeb, 0xfd];

/** The image's bytes: the multiboot header at offset 0, loaded at 1 MiB, entered right after the header. */
export function guestKernel() {
  const image = Buffer.alloc(HEADER_BYTES + HALT_FOREVER.length);
  const words = [MAGIC, FLAGS, -(MAGIC + FLAGS) >>> 0, LOAD_ADDRESS, LOAD_ADDRESS, 0, 0, LOAD_ADDRESS + HEADER_BYTES];
  words.forEach((word, i) => image.writeUInt32LE(word >>> 0, i * 4));
  Buffer.from(HALT_FOREVER).copy(image, HEADER_BYTES);
  return image;
}

// Hard upper bounds on XML documents accepted anywhere in virtwire.

/** Longest XML document accepted, in characters (the message bound is tighter by default). */
export const XML_MAX_LENGTH = 1024 * 1024;

/** Deepest element nesting accepted (libvirt's own documents stay well below 32). */
export const XML_MAX_DEPTH = 64;

/** Most elements accepted in one document. */
export const XML_MAX_ELEMENTS = 20_000;

/** Longest attribute value or text node accepted, in characters. */
export const XML_MAX_VALUE_LENGTH = 64 * 1024;

/**
 * Most controllers of one type a definition may imply through the controller index of its devices'
 * drive addresses (libvirt adds every index from 0 up to the highest named, without a bound: an index
 * of 99999999 held its test driver for minutes).
 */
export const MAX_IMPLIED_CONTROLLERS = 256;

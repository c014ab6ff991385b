// @virtwire/client/xml: libvirt's XML helpers for SDK users (parse and format snapshot and domain XML), an entry point of their own so the SDK's core carries no XML parser.
export * from '@virtwire/protocol/xml';

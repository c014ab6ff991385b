// libvirt's virFileSanitizePath for the model: the form in which libvirt keeps a path it reads from XML.

/** virFileSanitizePath: repeated and trailing slashes dropped (a leading `//` kept), URIs left alone. */
export function sanitizePath(path: string): string {
  const scheme = path.indexOf('://');
  if (scheme >= 0 && path.indexOf('/') > scheme) return path;
  const lead = /^\/\/(?!\/)/.test(path) ? '//' : '';
  const rest = path.slice(lead.length).replace(/\/+/g, '/');
  return lead + (rest.length > 1 || lead !== '' ? rest.replace(/\/$/, '') : rest);
}

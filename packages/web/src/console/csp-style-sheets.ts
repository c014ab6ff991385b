// Lets xterm.js style itself under the console's Content-Security-Policy (style-src 'self', no inline style): its <style> elements become constructed style sheets.

const installed = new WeakSet<Document>();

/**
 * xterm.js's DOM renderer and viewport write their rules (theme colours, cell dimensions,
 * scrollbar) into `<style>` elements they create and append; the CSP refuses inline style, so those
 * rules would not apply and Chromium would report each refusal. From this call on, a `<style>`
 * created on `doc` is an inert `<template>` whose `textContent` is kept in a constructed
 * `CSSStyleSheet` adopted by the document (CSSOM, which the CSP allows) and dropped with the
 * element's `remove()`. The console itself never creates `<style>` elements, so nothing else is
 * affected. Idempotent per document.
 */
export function constructedStyleElements(doc: Document): void {
  if (installed.has(doc)) return;
  installed.add(doc);
  const create = doc.createElement.bind(doc) as (tagName: string, options?: ElementCreationOptions) => HTMLElement;
  doc.createElement = ((tagName: string, options?: ElementCreationOptions) => {
    if (tagName.toLowerCase() !== 'style') return create(tagName, options);
    const stand = create('template', options);
    const sheet = new doc.defaultView!.CSSStyleSheet();
    let text = '';
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
    Object.defineProperty(stand, 'textContent', {
      get: () => text,
      set: (value: string | null) => {
        text = value ?? '';
        sheet.replaceSync(text);
      },
    });
    Object.defineProperty(stand, 'sheet', { get: () => sheet });
    const remove = stand.remove.bind(stand);
    stand.remove = () => {
      doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== sheet);
      remove();
    };
    return stand;
  }) as typeof doc.createElement;
}

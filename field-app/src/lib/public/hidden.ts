/**
 * What stands in, in a text the public reads, for a hidden email address or phone number:
 * `HIDDEN` of `@fieldfix/shared/contact-details`, the same string (`hidden.test.ts`). Kept
 * apart because that module brings its patterns along, too much for `/track`'s JavaScript
 * budget when all the page needs is this.
 */
export const HIDDEN = '[…]';

/**
 * The residents' pages' language: the one the address asks for (`?lang=es`: a notice's links
 * carry its language, so its reader lands in it on any device), else the one the person chose
 * (kept on the device by Paraglide's localStorage strategy), else the browser's, else English.
 * Switching re-renders the page in place (`{#key}` in the layout) without reloading it, so a
 * form being filled in is kept.
 */
import { getLocale, locales, setLocale, type Locale } from './paraglide/runtime.js';

/** The address's `lang`, if it names one of ours, kept as the person's choice (before the first render). */
const asked = new URLSearchParams(location.search).get('lang') as Locale;
if (locales.includes(asked)) setLocale(asked, { reload: false });

class LocaleState {
  current = $state<Locale>(getLocale());

  set(next: Locale): void {
    setLocale(next, { reload: false });
    this.current = next;
    document.documentElement.lang = next;
  }

  /** The other language (two for now: the switch is one button). */
  get other(): Locale {
    return locales.find((l) => l !== this.current) ?? this.current;
  }
}

export const locale = new LocaleState();

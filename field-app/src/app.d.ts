// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    // interface Error {}
    // interface PageData {}
    // interface PageState {}
  }
}

export {};

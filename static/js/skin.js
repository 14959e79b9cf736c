// skin.js — which skin (background and colours) the page wears. Skins are CSS classes
// (.skin-<id> in style.css). The app shell wears my own skin; a space page wears its
// owner's while it is open and hands the page back when it closes.

export const SKINS = ['classic', 'sakura', 'ocean', 'forest', 'night', 'gold'];

let own = 'classic';
let override = null;

const valid = (skin) => (SKINS.includes(skin) ? skin : 'classic');

function paint() {
  const skin = override || own;
  for (const s of SKINS) document.body.classList.toggle(`skin-${s}`, s === skin);
  document.body.dataset.skin = skin;
}

/** My own skin (from my profile): the shell's look when no space page overrides it. */
export function setOwnSkin(skin) { own = valid(skin); paint(); }

/** A space page's skin (null gives the page back to my own). */
export function setPageSkin(skin) { override = skin ? valid(skin) : null; paint(); }

/** Put a skin class on one element (a space section, a swatch), removing the others. */
export function skinClass(node, skin) {
  const id = valid(skin);
  for (const s of SKINS) node.classList.toggle(`skin-${s}`, s === id);
  node.dataset.skin = id;
  return id;
}

// Stand-in for @capacitor/preferences' dist/esm/index.js while the package is
// not installed: the same registerPlugin call, so on a native platform calls
// go through @capacitor/core to the native side exactly as with the package.
import { registerPlugin } from "@capacitor/core";

const Preferences = registerPlugin("Preferences", {
  web: () => {
    throw new Error("the @capacitor/preferences stand-in has no web implementation");
  },
});

export { Preferences };

import { render } from "preact";
import "../common/styles.css";
import { pickLanguage, textFor, TextContext } from "../common/i18n/text";
import { App } from "./App";

// The customer's pages speak the first of the browser's languages that has a catalogue.
const text = textFor(pickLanguage(navigator.languages.length > 0 ? navigator.languages : [navigator.language]));
document.documentElement.lang = text.lang;

const root = document.getElementById("app");
if (root !== null) {
  render(
    <TextContext.Provider value={text}>
      <App pathname={location.pathname} />
    </TextContext.Provider>,
    root,
  );
}

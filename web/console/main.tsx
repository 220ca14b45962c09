import { render } from "preact";
import "../common/styles.css";
import { App } from "./App";
import { boot } from "./store";

const root = document.getElementById("app");
if (root !== null) {
  render(<App />, root);
  void boot();
}

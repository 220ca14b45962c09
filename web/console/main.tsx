import { render } from "preact";
import "../common/styles.css";
import { App } from "./App";
import { boot } from "./lifecycle";
import { ViewerApp, viewerSession } from "./Viewer";

const root = document.getElementById("app");
const viewer = viewerSession(location.search);
if (root !== null && viewer !== null) {
  // /console?viewer=ID: the Viewer window of one session, not the console.
  render(<ViewerApp sessionId={viewer} />, root);
} else if (root !== null) {
  render(<App />, root);
  void boot();
}

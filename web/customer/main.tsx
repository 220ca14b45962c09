import { render } from "preact";
import "../common/styles.css";
import { App } from "./App";

const root = document.getElementById("app");
if (root !== null) render(<App pathname={location.pathname} />, root);

import { parseDocument } from "yaml";
console.log(parseDocument("a: 1").toJS());

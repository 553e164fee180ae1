// A tiny HTTP service on Node.js, no dependencies.
const http = require("http");

const port = Number(process.env.PORT || 3000);
http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end(`hello from node ${process.version} uid=${process.getuid()}\n`);
}).listen(port, () => console.log(`listening on :${port}`));

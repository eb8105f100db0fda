"use strict"
/*
 * Builds the native addon (bindings/node, Rust) into ferromq.linux-x64-gnu.node here.
 * Uses @napi-rs/cli when it is installed (a development checkout), plain cargo otherwise
 * (e.g. `npm install ./node` from another project, where devDependencies are absent).
 * Run by `npm run build`, by npm's install step and before `npm pack` (so a packed tarball
 * carries the built addon and installs without Rust).
 */
const { execFileSync } = require("child_process")
const fs = require("fs")
const path = require("path")

const here = __dirname
const crate = path.join(here, "..", "bindings", "node")
const addon = path.join(here, "ferromq.linux-x64-gnu.node")

if (!fs.existsSync(path.join(crate, "Cargo.toml"))) {
  if (fs.existsSync(addon)) {
    process.exit(0) /* installed from a packed tarball: the addon is already built */
  }
  console.error("ferromq: no prebuilt addon and no Rust sources (../bindings/node) to build one")
  process.exit(1)
}

/* The CLI's own entry (its package "exports" hide dist/cli.js from require.resolve). */
const cliPath = path.join(here, "node_modules", "@napi-rs", "cli", "dist", "cli.js")
const cli = fs.existsSync(cliPath) ? cliPath : null

const run = (cmd, args) => execFileSync(cmd, args, { cwd: here, stdio: "inherit" })

if (cli) {
  run(process.execPath, [
    cli,
    "build",
    "--platform",
    "--release",
    "--manifest-path",
    "../bindings/node/Cargo.toml",
    "--package-json-path",
    "package.json",
    "--output-dir",
    ".",
    "--no-js",
    "--dts",
    "native.d.ts",
  ])
} else {
  run("cargo", ["build", "--release", "-p", "ferromq-node", "--manifest-path", path.join(crate, "Cargo.toml")])
  const metadata = JSON.parse(
    execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps", "--manifest-path", path.join(crate, "Cargo.toml")], {
      cwd: here,
      maxBuffer: 64 << 20,
    }),
  )
  fs.copyFileSync(path.join(metadata.target_directory, "release", "libferromq_node.so"), addon)
}

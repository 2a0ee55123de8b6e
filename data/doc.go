// Package data holds the small Plant Seedlings subset bundled with the
// repository (seedlings-mini/, CC BY-SA 4.0, see its SOURCE.md) and the
// command that made it (mkmini). It has no Go API.
package data

// Package content holds the handbook as data: the page tree (tree/*.toml)
// and each page's text per language (text/<lang>/<id>.md), embedded in the
// binary. Load validates it and returns a Catalog that serves flows.
//
// Editors change the files, never Go code: see README.md in this folder.
package content

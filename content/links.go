package content

import (
	"net/url"
	"sort"

	"mekongbot/flows"
)

// checkTree links every page to its parent and reports broken links, pages
// with two parents or none, unreachable pages, and leaves without sources.
func checkTree(pages map[string]*flows.Page, at map[string]where, ps *problems) {
	if pages[flows.RootPage] == nil {
		ps.add("tree", 0, "no %q page: the main menu is missing", flows.RootPage)
		return
	}
	for _, id := range sortedIDs(pages) {
		p := pages[id]
		w := at[id]
		linkChildren(p, pages, w, ps)
		for _, s := range p.See {
			if pages[s] == nil {
				ps.add(w.file, w.line, "page %q: see %q: no such page", id, s)
			}
		}
		checkFacts(p, w, ps)
	}
	for _, id := range sortedIDs(pages) {
		if id != flows.RootPage && pages[id].Parent == "" {
			ps.add(at[id].file, at[id].line, "page %q is nobody's child: it cannot be reached from the main menu", id)
		}
	}
	checkReachable(pages, at, ps)
}

func linkChildren(p *flows.Page, pages map[string]*flows.Page, w where, ps *problems) {
	for _, c := range p.Children {
		child := pages[c]
		switch {
		case child == nil:
			ps.add(w.file, w.line, "page %q: child %q: no such page", p.ID, c)
		case c == flows.RootPage:
			ps.add(w.file, w.line, "page %q: the main menu cannot be a child", p.ID)
		case child.Parent != "":
			ps.add(w.file, w.line, "page %q: child %q already belongs to %q", p.ID, c, child.Parent)
		default:
			child.Parent = p.ID
		}
	}
}

func checkFacts(p *flows.Page, w where, ps *problems) {
	if p.Reviewed == "" {
		ps.add(w.file, w.line, "page %q has no reviewed date (reviewed = YYYY-MM-DD)", p.ID)
	}
	if len(p.Children) == 0 && len(p.Sources) == 0 {
		ps.add(w.file, w.line, "page %q has no sources: every fact needs one", p.ID)
	}
	for _, s := range p.Sources {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.add(w.file, w.line, "page %q: source %q is not an http(s) URL", p.ID, s.URL)
		}
	}
}

// checkReachable walks the tree from the main menu; a cycle leaves pages unreached.
func checkReachable(pages map[string]*flows.Page, at map[string]where, ps *problems) {
	seen := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		if seen[id] || pages[id] == nil {
			return
		}
		seen[id] = true
		for _, c := range pages[id].Children {
			walk(c)
		}
	}
	walk(flows.RootPage)
	for _, id := range sortedIDs(pages) {
		if !seen[id] && pages[id].Parent != "" {
			ps.add(at[id].file, at[id].line, "page %q cannot be reached from the main menu (a cycle?)", id)
		}
	}
}

func sortedIDs(pages map[string]*flows.Page) []string {
	ids := make([]string, 0, len(pages))
	for id := range pages {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

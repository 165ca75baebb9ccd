package flows_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"mekongbot/flows"
)

// The fakes below keep state in memory for flow table tests; the Redis
// implementations pass their own tests against a real server.

type memSubs struct {
	mu sync.Mutex
	m  map[int64]flows.Profile
}

func newMemSubs() *memSubs { return &memSubs{m: map[int64]flows.Profile{}} }

func (s *memSubs) Subscription(_ context.Context, chat int64) (flows.Profile, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.m[chat]
	return p, ok, nil
}

func (s *memSubs) Subscribe(_ context.Context, chat int64, p flows.Profile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[chat] = p
	return nil
}

func (s *memSubs) Unsubscribe(_ context.Context, chat int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, chat)
	return nil
}

func (s *memSubs) Count(_ context.Context, a flows.Audience) (flows.AudienceCount, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := flows.AudienceCount{ByLang: map[string]int{}, ByRole: map[flows.Role]int{}, ByCountry: map[string]int{}}
	for _, p := range s.m {
		if a.Match(p) {
			c.Total++
			c.ByLang[p.Lang]++
			c.ByRole[p.Role]++
			c.ByCountry[p.Country]++
		}
	}
	return c, nil
}

type memRoster struct {
	mu      sync.Mutex
	members map[int64]bool // true: fixed
}

func newRoster(fixed ...int64) *memRoster {
	r := &memRoster{members: map[int64]bool{}}
	for _, id := range fixed {
		r.members[id] = true
	}
	return r
}

func (r *memRoster) IsStaff(_ context.Context, id int64) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.members[id]
	return ok, nil
}

func (r *memRoster) Add(_ context.Context, _, id int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.members[id]; !ok {
		r.members[id] = false
	}
	return nil
}

func (r *memRoster) Remove(_ context.Context, _, id int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.members[id] {
		return flows.ErrFixedStaff
	}
	delete(r.members, id)
	return nil
}

func (r *memRoster) List(context.Context) ([]flows.StaffMember, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []flows.StaffMember
	for id, fixed := range r.members {
		out = append(out, flows.StaffMember{UserID: id, Fixed: fixed})
	}
	slices.SortFunc(out, func(a, b flows.StaffMember) int { return int(a.UserID - b.UserID) })
	return out, nil
}

type memCases struct {
	mu   sync.Mutex
	next int64
	m    map[int64]*flows.Case
}

func newMemCases() *memCases { return &memCases{m: map[int64]*flows.Case{}} }

func (c *memCases) Open(_ context.Context, chat int64, lang, page string) (flows.Case, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.m {
		if k.ChatID == chat && k.Open {
			return *k, nil
		}
	}
	c.next++
	k := &flows.Case{ID: c.next, ChatID: chat, Lang: lang, Page: page, Open: true, Opened: time.Unix(0, 0)}
	c.m[k.ID] = k
	return *k, nil
}

func (c *memCases) Get(_ context.Context, id int64) (flows.Case, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[id]
	if !ok {
		return flows.Case{}, flows.ErrNotFound
	}
	return *k, nil
}

func (c *memCases) Touch(context.Context, int64) error { return nil }

func (c *memCases) Close(_ context.Context, id int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.m[id]; ok {
		k.Open = false
	}
	return nil
}

func (c *memCases) OpenCount(context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.m {
		if k.Open {
			n++
		}
	}
	return n, nil
}

func (c *memCases) Forget(_ context.Context, chat int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, k := range c.m {
		if k.ChatID == chat {
			delete(c.m, id)
		}
	}
	return nil
}

type memDrafts struct {
	mu sync.Mutex
	m  map[int64][]byte
}

func newMemDrafts() *memDrafts { return &memDrafts{m: map[int64][]byte{}} }

func (d *memDrafts) LoadDraft(_ context.Context, chat int64) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.m[chat], nil
}

func (d *memDrafts) SaveDraft(_ context.Context, chat int64, b []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.m[chat] = b
	return nil
}

func (d *memDrafts) DeleteDraft(_ context.Context, chat int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, chat)
	return nil
}

type memBroadcasts struct {
	mu      sync.Mutex
	started []flows.Broadcast
	status  map[int64]flows.BroadcastStatus
}

func newMemBroadcasts() *memBroadcasts {
	return &memBroadcasts{status: map[int64]flows.BroadcastStatus{}}
}

func (m *memBroadcasts) Start(_ context.Context, b flows.Broadcast) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b.ID = int64(len(m.started) + 1)
	m.started = append(m.started, b)
	m.status[b.ID] = flows.BroadcastStatus{ID: b.ID, State: flows.BroadcastRunning, Total: 10, Sent: 4}
	return b.ID, nil
}

func (m *memBroadcasts) Cancel(_ context.Context, id int64) (flows.BroadcastStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.status[id]
	if !ok {
		return st, flows.ErrNotFound
	}
	st.State = flows.BroadcastCancelled
	m.status[id] = st
	return st, nil
}

func (m *memBroadcasts) Status(_ context.Context, id int64) (flows.BroadcastStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.status[id]
	if !ok {
		return st, flows.ErrNotFound
	}
	return st, nil
}

func (m *memBroadcasts) Recent(_ context.Context, n int) ([]flows.BroadcastStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []flows.BroadcastStatus
	for i := len(m.started); i >= 1 && len(out) < n; i-- {
		out = append(out, m.status[int64(i)])
	}
	return out, nil
}

type memInsights struct {
	mu    sync.Mutex
	seen  map[flows.Day]map[int64]flows.Profile
	pages map[string]int
}

func newMemInsights() *memInsights {
	return &memInsights{seen: map[flows.Day]map[int64]flows.Profile{}, pages: map[string]int{}}
}

func (m *memInsights) Unanswered(context.Context, string, string) error { return nil }

func (m *memInsights) Seen(_ context.Context, day flows.Day, p flows.Profile, chat int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[day] == nil {
		m.seen[day] = map[int64]flows.Profile{}
	}
	m.seen[day][chat] = p
	return nil
}

func (m *memInsights) PageOpened(_, page string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pages[page]++
}

func (m *memInsights) Report(_ context.Context, today flows.Day) (flows.InsightReport, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	people := map[int64]flows.Profile{}
	for day, seen := range m.seen {
		if day > today-30 {
			for chat, p := range seen {
				people[chat] = p
			}
		}
	}
	byLang := map[string]int{}
	for _, p := range people {
		byLang[p.Lang]++
	}
	rep := flows.InsightReport{Active30: len(people), Active7: len(people)}
	for l, n := range byLang {
		rep.ByLang = append(rep.ByLang, flows.Count{Key: l, N: n})
	}
	for page, n := range m.pages {
		rep.TopPages = append(rep.TopPages, flows.Count{Key: page, N: n})
	}
	return rep, nil
}

// memReminders keeps reminders and their languages per chat.
type memReminders struct {
	mu   sync.Mutex
	m    map[int64]map[flows.ReminderKind]flows.Day
	lang map[int64]string
}

func newMemReminders() *memReminders {
	return &memReminders{m: map[int64]map[flows.ReminderKind]flows.Day{}, lang: map[int64]string{}}
}

func (s *memReminders) Set(_ context.Context, chat int64, r flows.Reminder, lang string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[chat] == nil {
		s.m[chat] = map[flows.ReminderKind]flows.Day{}
	}
	s.m[chat][r.Kind], s.lang[chat] = r.Date, lang
	return nil
}

func (s *memReminders) List(_ context.Context, chat int64) ([]flows.Reminder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []flows.Reminder
	for _, k := range flows.ReminderKinds {
		if d, ok := s.m[chat][k]; ok {
			out = append(out, flows.Reminder{Kind: k, Date: d})
		}
	}
	return out, nil
}

func (s *memReminders) Delete(_ context.Context, chat int64, k flows.ReminderKind) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m[chat], k)
	return nil
}

func (s *memReminders) SetLang(_ context.Context, chat int64, lang string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m[chat]) > 0 {
		s.lang[chat] = lang
	}
	return nil
}

func (s *memReminders) Forget(_ context.Context, chat int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, chat)
	delete(s.lang, chat)
	return nil
}

// memFeedback counts votes per page, as the Redis one does.
type memFeedback struct {
	mu    sync.Mutex
	votes map[string]*flows.PageVotes
}

func newMemFeedback() *memFeedback { return &memFeedback{votes: map[string]*flows.PageVotes{}} }

func (f *memFeedback) Vote(_ context.Context, page string, helpful bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.votes[page]
	if v == nil {
		v = &flows.PageVotes{Page: page}
		f.votes[page] = v
	}
	if helpful {
		v.Helpful++
	} else {
		v.Unhelpful++
	}
	return nil
}

func (f *memFeedback) Votes(context.Context) ([]flows.PageVotes, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []flows.PageVotes
	for _, v := range f.votes {
		out = append(out, *v)
	}
	return out, nil
}

// counts is "page +up -down" of every page with votes, sorted.
func (f *memFeedback) counts() []string {
	votes, _ := f.Votes(context.Background())
	var out []string
	for _, v := range votes {
		out = append(out, fmt.Sprintf("%s +%d -%d", v.Page, v.Helpful, v.Unhelpful))
	}
	slices.Sort(out)
	return out
}

// memOutbox keeps each chat's last relaying update's replies, as the Redis one does.
type memOutbox struct {
	mu   sync.Mutex
	kept map[int64]keptReplies
}

type keptReplies struct {
	update  int64
	replies []flows.Reply
}

func newMemOutbox() *memOutbox { return &memOutbox{kept: map[int64]keptReplies{}} }

func (o *memOutbox) Keep(_ context.Context, chat, update int64, replies []flows.Reply) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.kept[chat] = keptReplies{update, slices.Clone(replies)}
	return nil
}

func (o *memOutbox) Take(_ context.Context, chat, update int64) ([]flows.Reply, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k, ok := o.kept[chat]
	if !ok || k.update != update {
		return nil, nil
	}
	delete(o.kept, chat)
	return k.replies, nil
}

func (o *memOutbox) Forget(_ context.Context, chat int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.kept, chat)
	return nil
}

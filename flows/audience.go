package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Topic is a kind of update a subscriber can choose. The letters are
// persisted in profiles: never reuse or renumber one.
type Topic byte

const (
	TopicRegistration Topic = 'r' // registration windows and MoU recruitment rounds
	TopicRules        Topic = 'l' // changes to rules, fees and rights
	TopicHelp         Topic = 'h' // new or changed hotlines and help services
	TopicSkills       Topic = 's' // skills, training and certificates
)

// Topics lists every topic in the order offered.
var Topics = []Topic{TopicRegistration, TopicRules, TopicHelp, TopicSkills}

// AllTopics is a profile's topics when the person chose them all.
const AllTopics = "rlhs"

// Countries are the origin countries a person can say they are from, in the
// order offered; "xx" is "another country".
var Countries = []string{"kh", "la", "mm", "vn", "xx"}

// Profile is what a subscriber chose; it decides which broadcasts reach them.
// It holds no name, phone or message: only these codes.
type Profile struct {
	Lang    string
	Role    Role
	Country string // one of Countries, or "" when not said
	Topics  string // Topic letters, e.g. "rl"
}

// Encode writes the profile as "lang|role|country|topics".
func (p Profile) Encode() string {
	role := ""
	if p.Role != RoleUnknown {
		role = string(p.Role)
	}
	return p.Lang + "|" + role + "|" + p.Country + "|" + p.Topics
}

// DecodeProfile reads what Encode wrote.
func DecodeProfile(raw string) (Profile, error) {
	f := strings.Split(raw, "|")
	if len(f) != 4 {
		return Profile{}, fmt.Errorf("decode profile: %d fields, want 4", len(f))
	}
	p := Profile{Lang: f[0], Country: f[2], Topics: f[3]}
	if len(f[1]) == 1 {
		p.Role = Role(f[1][0])
	}
	return p, nil
}

// HasTopic reports whether the person wants updates on t.
func (p Profile) HasTopic(t Topic) bool { return strings.IndexByte(p.Topics, byte(t)) >= 0 }

// Audience narrows who receives a broadcast. An empty dimension means
// everyone; within a dimension any listed value matches.
type Audience struct {
	Langs     []string `json:"l,omitempty"`
	Countries []string `json:"c,omitempty"`
	Roles     []Role   `json:"r,omitempty"`
	Topics    []Topic  `json:"t,omitempty"`
}

// Everyone reports whether the audience is not narrowed at all.
func (a Audience) Everyone() bool {
	return len(a.Langs) == 0 && len(a.Countries) == 0 && len(a.Roles) == 0 && len(a.Topics) == 0
}

// Match reports whether a subscriber with profile p is in the audience. A
// topic filter matches people who chose any of the topics.
func (a Audience) Match(p Profile) bool {
	if len(a.Langs) > 0 && !slices.Contains(a.Langs, p.Lang) {
		return false
	}
	if len(a.Countries) > 0 && !slices.Contains(a.Countries, p.Country) {
		return false
	}
	if len(a.Roles) > 0 && !slices.Contains(a.Roles, p.Role) {
		return false
	}
	if len(a.Topics) > 0 && !slices.ContainsFunc(a.Topics, p.HasTopic) {
		return false
	}
	return true
}

// AudienceCount is how many subscribers an audience holds, in all and split
// by language, role and country. It counts; it never lists anyone.
type AudienceCount struct {
	Total     int
	ByLang    map[string]int
	ByRole    map[Role]int
	ByCountry map[string]int
}

// Subscribers keeps who wants updates. The store is the only truth about a
// subscription: sessions do not copy it.
type Subscribers interface {
	// Subscription returns the chat's profile; ok is false when not subscribed.
	Subscription(ctx context.Context, chatID int64) (p Profile, ok bool, err error)
	// Subscribe adds the chat or replaces its profile.
	Subscribe(ctx context.Context, chatID int64, p Profile) error
	// Unsubscribe removes the chat; removing a chat not subscribed is no error.
	Unsubscribe(ctx context.Context, chatID int64) error
	// Count counts the subscribers in a (Audience{}: all of them).
	Count(ctx context.Context, a Audience) (AudienceCount, error)
}

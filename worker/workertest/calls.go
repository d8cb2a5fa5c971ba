// Package workertest makes transcripts for the worker's integration tests
// and for `callqa bench`: small, varied v1 calls of every unit of the
// default lexicon, and poison objects of each kind the worker must
// dead-letter. Call i is the same on every run.
package workertest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// units are the default lexicon's units with a name the agent may say.
var units = []struct{ id, name string }{
	{"sgcc-hz", "国网杭州供电公司"},
	{"csg-gz", "南方电网广州供电局"},
	{"yongheng-heat", "永恒热力"},
	{"shengyuan-heat", "盛源热力"},
}

type utterance struct {
	Speaker string `json:"speaker"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
}

type transcript struct {
	CallID     string      `json:"call_id"`
	Unit       string      `json:"unit"`
	AgentID    string      `json:"agent_id"`
	Team       string      `json:"team,omitempty"`
	Direction  string      `json:"direction"`
	StartedAt  string      `json:"started_at"`
	RingMS     int64       `json:"ring_ms"`
	HangupBy   string      `json:"hangup_by"`
	Utterances []utterance `json:"utterances"`
}

// Call returns the object key and transcript JSON of call i of a run named
// prefix (which keeps the call ids of runs apart). Calls differ in unit,
// agent, team, day and in the rules they break: a clean call, a missing
// greeting, profanity (fatal), an evasive reply, a missing farewell, an
// agent hang-up and a late pick-up without apology come in turn.
func Call(prefix string, i int) (key string, data []byte) {
	u := units[i%len(units)]
	id := fmt.Sprintf("%s-%06d", prefix, i)
	team := fmt.Sprintf("team-%d", i%3)
	if i%5 == 4 {
		team = ""
	}
	start := time.Date(2026, 11, 20+i%4, 8+i%9, i%60, 0, 0, time.FixedZone("CST", 8*3600))
	greeting := "您好," + u.name + ",请问有什么可以帮您?"
	reply := "好的,请您稍等,我帮您查询一下。"
	farewell := "感谢您的来电,再见。"
	hangup, ring := "customer", int64(3000)
	switch i % 7 {
	case 1:
		greeting = "喂,什么事?"
	case 2:
		reply = "你有病吧,自己不会看吗。"
	case 3:
		reply = "这个不归我管,你去问别人。"
	case 4:
		farewell = "行了。"
	case 5:
		hangup = "agent"
	case 6:
		ring = 20000
	}
	t := transcript{
		CallID: id, Unit: u.id, AgentID: fmt.Sprintf("A%03d", i%11), Team: team, Direction: "inbound",
		StartedAt: start.Format(time.RFC3339), RingMS: ring, HangupBy: hangup,
		Utterances: []utterance{
			{"agent", 0, 3000, greeting},
			{"customer", 3200, 6800, "我想查一下这个月的账单,户号是" + fmt.Sprintf("%08d", 10000000+i) + "。"},
			{"agent", 7000, 11000, "好的,您的户号是" + fmt.Sprintf("%08d", 10000000+i) + ",对吗?"},
			{"customer", 11200, 12400, "对的。"},
			{"agent", 12600, 16500, reply},
			{"customer", 16700, 18000, "好的,谢谢。"},
			{"agent", 18200, 21000, farewell},
		},
	}
	data, err := json.Marshal(t)
	if err != nil {
		panic(err) // the struct always encodes
	}
	return "calls/" + start.Format("2006/01/02") + "/" + id + ".json", data
}

// Poison is an object the worker must dead-letter, with a word the
// dead letter's reason must contain.
type Poison struct {
	Key    string
	Data   []byte
	Reason string
}

// Poisons returns one object of each kind of poison: malformed JSON, a
// schema error, an unknown unit and an object over the size limit
// (maxBytes+1 bytes).
func Poisons(prefix string, maxBytes int) []Poison {
	_, good := Call(prefix+"-p", 0)
	unknown := strings.Replace(string(good), `"unit":"sgcc-hz"`, `"unit":"no-such-unit"`, 1)
	schema := strings.Replace(string(good), `"speaker":"customer"`, `"speaker":"robot"`, 1)
	big := make([]byte, maxBytes+1)
	for i := range big {
		big[i] = ' '
	}
	return []Poison{
		{Key: "poison/" + prefix + "-malformed.json", Data: []byte(`{"call_id": "x", "unit": `), Reason: "malformed JSON"},
		{Key: "poison/" + prefix + "-schema.json", Data: []byte(schema), Reason: "speaker"},
		{Key: "poison/" + prefix + "-unit.json", Data: []byte(unknown), Reason: "unknown unit"},
		{Key: "poison/" + prefix + "-oversize.json", Data: big, Reason: "over the transcript limit"},
	}
}

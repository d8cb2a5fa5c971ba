package callgen

import (
	"strings"
)

// fill expands the placeholders of a line: {cust} the customer's name,
// {phone}/{phoneA} their phone as they say it / as the agent repeats it,
// {acct}/{acctA} and {addr}/{addrA} likewise, {unit} the unit's name of
// the opening, {short} its short name, {no} the agent's number, {amount} a
// sum of money, {month} last month, {eta} an expected restoration time,
// {crew} the repair crew's arrival, {callback} a promise to call back,
// {date} a coming day, {day} a past one, {tod} 上午/下午, {supply} 供电/供热,
// {fee} 电费/热费, {你} 你 where a curt agent says it (else nothing).
func (c *call) fill(t string) string {
	if !strings.Contains(t, "{") {
		return t
	}
	var b strings.Builder
	b.Grow(len(t) + 32)
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		c.placeholder(&b, t[i+1:i+j])
		t = t[i+j+1:]
	}
}

func (c *call) placeholder(b *strings.Builder, key string) {
	heat := c.unit.kind == Heat
	switch key {
	case "cust":
		b.WriteString(c.cust.name)
	case "phone":
		c.spoken(b, c.cust.phone, 0.25)
	case "phoneA":
		c.spoken(b, c.cust.phone, 0)
	case "acct":
		c.spoken(b, c.cust.acct, 0)
	case "acctA":
		c.spoken(b, c.cust.acct, 0)
	case "addr", "addrA":
		b.WriteString(c.cust.addr)
	case "unit":
		b.WriteString(c.alias)
	case "short":
		b.WriteString(c.unit.short)
	case "no":
		b.WriteString(c.agent.workNo)
	case "amount":
		yuan := c.r.between(40, 900)
		jiao := c.r.intn(10)
		if c.r.chance(0.3) {
			b.WriteString(itoa(yuan))
			if jiao > 0 {
				b.WriteString(".")
				b.WriteString(itoa(jiao))
			}
			b.WriteString("元")
			return
		}
		b.WriteString(hanNumber(yuan))
		b.WriteString("块")
		if jiao > 0 {
			b.WriteString(hanDigit[jiao])
		}
	case "month":
		m := int(c.started.AddDate(0, -1, 0).Month())
		b.WriteString(hanNumber(m))
		b.WriteString("月")
	case "eta":
		c.eta(b, heat)
	case "crew":
		b.WriteString(pick(&c.r, crewETAs))
	case "callback":
		if c.banETA {
			b.WriteString(pick(&c.r, callbacksUntimed))
		} else {
			b.WriteString(pick(&c.r, callbacks))
		}
	case "date":
		b.WriteString(pick(&c.r, comingDays))
	case "day":
		b.WriteString(pick(&c.r, pastDays))
	case "tod":
		if c.hour() < 12 {
			b.WriteString("上午")
		} else {
			b.WriteString("下午")
		}
	case "supply":
		if heat {
			b.WriteString("供热")
		} else {
			b.WriteString("供电")
		}
	case "fee":
		if heat {
			b.WriteString("热费")
		} else {
			b.WriteString("电费")
		}
	case "你":
		if c.informalLeft > 0 && c.curt {
			b.WriteString("你")
		}
	default:
		b.WriteString("{" + key + "}")
	}
}

// spoken writes a digit string as a speaker says it: digit by digit in
// Chinese (幺 for 1 at times), or in digits where ASR wrote them so.
func (c *call) spoken(b *strings.Builder, digits string, yao float64) {
	if c.r.chance(0.25) {
		b.WriteString(digits)
		return
	}
	b.WriteString(hanDigits(digits, c.r.chance(yao)))
}

// eta writes an expected restoration time a few hours after the call.
func (c *call) eta(b *strings.Builder, heat bool) {
	restore := "恢复供电"
	if heat {
		restore = pick(&c.r, []string{"恢复供热", "恢复正常供暖"})
	}
	switch c.r.intn(3) {
	case 0:
		b.WriteString("大约")
		b.WriteString(pick(&c.r, []string{"两", "三", "四"}))
		b.WriteString("个小时以内")
		b.WriteString(restore)
	default:
		b.WriteString("预计")
		h := c.hour() + c.r.between(2, 5)
		switch {
		case h < 12:
			b.WriteString("上午")
			b.WriteString(hanNumber(h))
		case h == 12:
			b.WriteString("中午十二")
		case h < 19:
			b.WriteString("下午")
			b.WriteString(hanNumber(h - 12))
		case h < 23:
			b.WriteString("晚上")
			b.WriteString(hanNumber(h - 12))
		default:
			b.WriteString("明天上午九")
		}
		b.WriteString("点")
		b.WriteString(pick(&c.r, []string{"左右", "之前"}))
		b.WriteString(restore)
	}
}

package callgen

import (
	"fmt"
	"time"
)

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
	"郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "萧",
	"田", "董", "潘", "袁", "蔡", "蒋", "余"}

// phonePrefixes are mobile prefixes whose next four digits are 0000: the
// numbers are made up and read as such.
var phonePrefixes = []string{"1380000", "1390000", "1500000", "1860000", "1370000"}

var communities = []string{"春晓", "金色", "和平", "阳光", "翠竹", "绿洲", "丽景", "锦绣", "望江", "东湖",
	"紫荆", "星河", "桂花", "银杏", "新华", "朝阳", "枫林", "康乐", "惠民", "幸福"}
var communitySuffixes = []string{"小区", "花园", "家园", "新村", "苑"}
var roads = []string{"解放", "人民", "建设", "中山", "文化", "胜利", "迎宾", "光明", "学院", "长江"}

// customer returns customer k of the pool; the same k always gives the
// same caller.
func (g *Generator) customer(k int) customer {
	var r rng
	r.seed(g.seed, saltCustomer, uint64(k))
	cu := customer{
		name:  pick(&r, surnames) + pick(&r, []string{"先生", "女士"}),
		phone: pick(&r, phonePrefixes) + fmt.Sprintf("%04d", r.intn(10000)),
		acct:  fmt.Sprintf("%d%09d", r.between(1, 9), r.intn(1_000_000_000)),
	}
	room := hanDigits(fmt.Sprintf("%d%02d", r.between(1, 18), r.between(1, 4)), false)
	if r.chance(0.75) {
		cu.addr = pick(&r, communities) + pick(&r, communitySuffixes) + hanNumber(r.between(1, 30)) +
			pick(&r, []string{"幢", "栋", "号楼"}) + hanNumber(r.between(1, 4)) + "单元" + room + "室"
	} else {
		cu.addr = pick(&r, roads) + "路" + hanDigits(fmt.Sprint(r.between(100, 999)), false) + "号" +
			hanNumber(r.between(1, 12)) + "号楼" + room + "室"
	}
	return cu
}

// callID names call i: <prefix><unit>-<yyyymmdd>-<i>, e.g.
// sgcc-hz-20261105-000042.
func (g *Generator) callID(unit string, t time.Time, i int) string {
	return fmt.Sprintf("%s%s-%s-%06d", g.prefix, unit, t.Format("20060102"), i)
}

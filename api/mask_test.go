package api

import (
	"testing"

	"callqa/lexicon"
)

func TestMask(t *testing.T) {
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMasker(lex)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"我的电话是13812345678", "我的电话是138****5678"},
		{"电话138-1234-5678,谢谢", "电话138-****-5678,谢谢"},
		{"我的手机一三八一二三四五六七八", "我的手机一三八****五六七八"},
		{"幺三八 幺二三四 五六七八", "幺三八 **** 五六七八"},
		{"１３８１２３４５６７８", "１３８****５６７８"},
		{"身份证号330102199001011234", "身份证号330***********1234"},
		{"身份证33010219900101123X对吧", "身份证330***********123X对吧"},
		{"户号是12345678", "户号是****5678"},
		{"我家户号 6601 2345", "我家户号 **** 2345"},
		{"户号一二三四五六", "户号**三四五六"},
		{"座机87654321", "座机****4321"},
		{"0571-87654321", "057*-****4321"},
		{"大概2个小时,今天下午3点之前", "大概2个小时,今天下午3点之前"},
		{"编号123456", "编号123456"},
		{"", ""},
		{"没有数字的话", "没有数字的话"},
	}
	for _, tt := range tests {
		if got := m.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len([]rune(m.Mask(tt.in))) != len([]rune(tt.in)) {
			t.Errorf("Mask(%q) changed the rune count", tt.in)
		}
	}
}

func FuzzMask(f *testing.F) {
	lex, err := lexicon.Default()
	if err != nil {
		f.Fatal(err)
	}
	m, err := NewMasker(lex)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("我的电话是13812345678")
	f.Add("户号一二三四五六")
	f.Add("\xff\xfe1234567")
	f.Fuzz(func(t *testing.T, s string) {
		if got := m.Mask(s); len([]rune(got)) != len([]rune(s)) {
			t.Errorf("Mask(%q) = %q changed the rune count", s, got)
		}
	})
}

package textnorm_test

import (
	"fmt"
	"strings"

	"callqa/textnorm"
)

func ExampleNormalizer_Normalize() {
	n, err := textnorm.New(textnorm.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	utterance := "嗯，請問您的電話是一三八一二三四五六七八嗎？"
	t := n.Normalize(utterance)
	fmt.Printf("%q\n", t.String())

	// Find the number in the normalized text and show it as the transcript
	// wrote it.
	i := strings.Index(t.String(), "138")
	i = len([]rune(t.String()[:i]))
	start, end := t.SrcSpan(i, i+11)
	fmt.Println(textnorm.RuneSlice(utterance, start, end), start, end)
	fmt.Println(t.Kinds[0])
	// Output:
	// "嗯 请问您的电话是13812345678吗 "
	// 一三八一二三四五六七八 9 20
	// Filler
}

func ExampleSyllable() {
	a, _ := textnorm.Syllable('恒')
	b, _ := textnorm.Syllable('衡')
	fmt.Println(textnorm.SyllableName(a), a == b)
	// Output: heng true
}

func ExampleToSimplified() {
	fmt.Println(textnorm.ToSimplified("乾坤一擲，頭髮乾了"))
	// Output: 乾坤一掷，头发干了
}

package api

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The pages for people: server-rendered shells (html/template) whose
// script reads everything from the JSON API with the token the person
// entered once, kept in the tab's sessionStorage. Scripts, styles and the
// charts (inline SVG) are embedded; nothing comes from elsewhere.

//go:embed ui/static ui/templates
var uiFiles embed.FS

var pageTemplate = template.Must(template.ParseFS(uiFiles, "ui/templates/page.html"))

// pageData fills a page shell.
type pageData struct {
	Title  string
	Page   string // calls, call or report
	CallID string
}

// uiRoutes adds the pages under /ui/ and their static files.
func (s *Server) uiRoutes(e *gin.Engine) {
	render := func(c *gin.Context, d pageData) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; frame-ancestors 'none'")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Status(http.StatusOK)
		if err := pageTemplate.Execute(c.Writer, d); err != nil {
			s.log.Warn("rendering a page failed", "page", d.Page, "err", err)
		}
	}
	e.GET("/ui/", func(c *gin.Context) { render(c, pageData{Title: "通话 Calls", Page: "calls"}) })
	e.GET("/ui/calls/:id", func(c *gin.Context) {
		render(c, pageData{Title: "通话 " + c.Param("id"), Page: "call", CallID: c.Param("id")})
	})
	e.GET("/ui/report", func(c *gin.Context) { render(c, pageData{Title: "报表 Report", Page: "report"}) })
	static, err := fs.Sub(uiFiles, "ui/static")
	if err != nil {
		s.log.Error("the pages' static files are missing from the binary", "err", err)
		return
	}
	files := http.StripPrefix("/ui/static/", http.FileServer(http.FS(static)))
	e.GET("/ui/static/*file", func(c *gin.Context) {
		if name := c.Param("file"); name == "/" || name[len(name)-1] == '/' {
			fail(c, &Error{Op: "api.static", Kind: KindNotFound, Msg: "no such file"})
			return
		}
		files.ServeHTTP(c.Writer, c.Request)
	})
}

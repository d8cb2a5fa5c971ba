package api

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

//go:embed ui/static
var uiFiles embed.FS

// uiRoutes adds the pages for people under /ui/.
func (s *Server) uiRoutes(e *gin.Engine) {
	page := func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte("<!doctype html><title>callqa</title>"))
	}
	e.GET("/ui/", page)
	e.GET("/ui/calls/:id", page)
	e.GET("/ui/report", page)
	static, _ := fs.Sub(uiFiles, "ui/static")
	files := http.StripPrefix("/ui/static/", http.FileServer(http.FS(static)))
	e.GET("/ui/static/*file", func(c *gin.Context) {
		if name := c.Param("file"); name == "/" || name[len(name)-1] == '/' {
			fail(c, &Error{Op: "api.static", Kind: KindNotFound, Msg: "no such file"})
			return
		}
		files.ServeHTTP(c.Writer, c.Request)
	})
}
